#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into Corpus/<Harness>/ (kept in the repo).

JSON seeds are the frames of Docs/protocol.md; binary seeds are made from them by the FuzzBinaryFrames
harness itself (ROOST_FUZZ_BINARY_SEEDS, see the Makefile), because only Roost's encoder writes that
format; record batch and WebSocket seeds are built here byte by byte from the layouts in Docs/storage.md
and RFC 6455.
"""
import os
import re
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def write(harness, name, data):
    d = os.path.join(here, "Corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def record(delta, key, headers, value):
    out = zigzag(delta) + zigzag(0)
    out += zigzag(-1) if key is None else zigzag(len(key)) + key
    out += zigzag(len(headers))
    for name, val in headers:
        out += zigzag(len(name)) + name + zigzag(len(val)) + val
    return out + zigzag(len(value)) + value


def batch(base, records, codec=0, part=None, records_length=None):
    body = b"".join(record(i, *r) for i, r in enumerate(records)) if part is None else part
    length = 52 + len(body)
    rl = len(body) if records_length is None else records_length
    ts = 1_763_700_000_000
    # The checksum is left 0: the harness's mode 1 recomputes it.
    return struct.pack(">IIQBBHqiqqI", 0x52424154, length, 0, 1, codec, 0, base, len(records), ts, ts, rl) + body


def lz4_literals(data):
    # One LZ4 block holding only literals (the last sequence of any block has this shape).
    n = len(data)
    if n < 15:
        return bytes([n << 4]) + data
    ext, rest = bytearray(), n - 15
    while rest >= 255:
        ext.append(255)
        rest -= 255
    ext.append(rest)
    return bytes([0xF0]) + bytes(ext) + data


def ws_frame(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def main():
    doc = open(os.path.join(root, "Docs", "protocol.md"), encoding="utf-8").read()
    frames = sorted(set(re.findall(r'\{"op":[^`\n]*\}', doc)))
    for i, frame in enumerate(frames):
        write("FuzzJSONFrames", "doc-%02d.json" % i, frame.encode())
    write("FuzzJSONFrames", "nested.json", b'{"op":"publish","id":1,"topic":"t","data":[[[{"a":[1.5e3,-0,true,null,"\\u00e9\\ud83d\\ude00"]}]]]}')

    recs = [(b"k1", [(b"trace", b"ab")], b'{"order":17}'), (None, [], b"\x00\x01\x02"), (b"", [], b"")]
    seg = batch(0, recs) + batch(3, [(None, [], b"x" * 40)])
    write("FuzzRecordBatch", "segment", b"\x01" + seg)
    write("FuzzRecordBatch", "segment-torn", b"\x01" + seg[:-7])
    part = b"".join(record(i, *r) for i, r in enumerate(recs))
    write("FuzzRecordBatch", "records", b"\x02" + part)
    write("FuzzRecordBatch", "records-lz4", b"\x03" + struct.pack(">H", len(part)) + lz4_literals(part))
    write("FuzzRecordBatch", "lz4-batch", b"\x01" + batch(0, recs, codec=1, part=lz4_literals(part), records_length=len(part)))

    write("FuzzWebSocketFrames", "text", b"\x00" + ws_frame(1, frames[0].encode()))
    write("FuzzWebSocketFrames", "fragmented", b"\x07" + ws_frame(1, b'{"op":', fin=False) + ws_frame(0, b'"credit"}'))
    write("FuzzWebSocketFrames", "ping-close", b"\x03" + ws_frame(9, b"hi") + ws_frame(10, b"") + ws_frame(8, struct.pack(">H", 1000) + b"bye"))
    write("FuzzWebSocketFrames", "binary-16bit", b"\x00" + ws_frame(2, bytes(range(256)) * 2))
    write("FuzzWebSocketFrames", "utf8-split", b"\x00" + ws_frame(1, "é".encode()[:1], fin=False) + ws_frame(0, "é".encode()[1:]))

    # Handshake seeds: two cut bytes (where the input is split into reads), then what a client sends.
    def upgrade(path="/v1/ws", key="dGhlIHNhbXBsZSBub25jZQ==", version="13", extra=""):
        head = "GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" % path
        if key is not None:
            head += "Sec-WebSocket-Key: %s\r\n" % key
        return (head + "Sec-WebSocket-Version: %s\r\n%s\r\n" % (version, extra)).encode()
    write("FuzzHandshake", "upgrade-json", b"\x10\x80" + upgrade() + ws_frame(1, frames[0].encode()) + ws_frame(8, struct.pack(">H", 1000)))
    write("FuzzHandshake", "upgrade-binary", b"\x00\x00" + upgrade(extra="Sec-WebSocket-Protocol: roost.v1.binary, roost.v1.json\r\n") + ws_frame(2, b"\x01\x02"))
    write("FuzzHandshake", "upgrade-unknown-protocol", b"\x05\x40" + upgrade(extra="Sec-WebSocket-Protocol: chat\r\n"))
    write("FuzzHandshake", "bad-version", b"\x00\x00" + upgrade(version="8"))
    write("FuzzHandshake", "missing-key", b"\x00\x00" + upgrade(key=None))
    write("FuzzHandshake", "wrong-path", b"\x03\x03" + upgrade(path="/nope"))
    write("FuzzHandshake", "healthz-pipelined", b"\x20\x60" + b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\nGET /readyz HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.0\r\n\r\n")
    write("FuzzHandshake", "post-body", b"\x00\x00" + b"POST /v1/ws HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
    write("FuzzHandshake", "chunked", b"\x09\x09" + b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    write("FuzzHandshake", "upgrade-then-http", b"\x00\x00" + upgrade() + b"GET / HTTP/1.1\r\n\r\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

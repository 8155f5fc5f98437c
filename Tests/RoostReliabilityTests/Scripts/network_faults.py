#!/usr/bin/env python3
"""Network faults against `roost serve` (127.0.0.1, ephemeral port, temporary data directory):

1. clients that vanish mid-frame (half a frame, then close or reset);
2. half-open connections: a handshake, then silence, no FIN (the sockets are held open);
3. a subscriber that stops reading while a publisher sends DATA_MB megabytes: over the second half (the
   first is warm-up), the broker's RSS must grow by less than half of what was published in it, and a
   second, reading subscriber must get every message;
4. a burst of connects and disconnects (CONNECTS of them, as fast as they go);
5. connection churn with `conn_churn.c` (compiled with `cc`; skipped without one): CHURN_WORKERS processes
   doing connect, WebSocket upgrade, close handshake, close for CHURN_SECONDS; none may fail and the
   broker's open descriptors must be back where they were.
After each step the broker must still confirm a publish. Prints one JSON line with the figures; exit 0
when every check held. Everything is bounded by timeouts.
"""
import asyncio
import base64
import json
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_checker import Failure, argument_parser, finish, start_broker  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def handshake(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise Failure("handshake closed")
        response += chunk
    if b" 101 " not in response.split(b"\r\n")[0]:
        raise Failure(f"handshake refused: {response[:80]!r}")
    return sock


def masked_text(payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def publish_ok(port, topic="net.probe"):
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "publish", "id": 1, "topic": topic, "data": {"probe": True}}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame.get("op") != "ok":
            raise Failure(f"probe publish failed: {frame}")


async def vanishing_clients(port, count):
    for i in range(count):
        sock = handshake(port)
        frame = masked_text(json.dumps({"op": "publish", "id": 1, "topic": "net.v", "data": {"i": i}}).encode())
        sock.sendall(frame[: random.randint(1, len(frame) - 1)])
        if i % 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        sock.close()
    await publish_ok(port)


async def half_open(port, count):
    held = [handshake(port) for _ in range(count)]
    await publish_ok(port)
    return held


async def slow_subscriber(port, pid, data_mb):
    topic = "net.slow"
    payload = "x" * 1000
    total = data_mb * 1000
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as pub:
        await pub.send(json.dumps({"op": "publish", "id": 0, "topic": topic, "data": {"warm": True}}))
        await asyncio.wait_for(pub.recv(), 10)
        stalled = handshake(port)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.sendall(masked_text(json.dumps({"op": "subscribe", "id": 1, "topic": topic, "from": "earliest",
                                                "ack": "none"}).encode()))
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as fast:
            await fast.send(json.dumps({"op": "subscribe", "id": 1, "topic": topic, "from": "earliest",
                                        "ack": "explicit", "batch": 500, "max_inflight": 2000}))
            # The baseline is taken after half of the data went through: allocators and buffers warm up
            # (about 20 MiB in a debug build, whatever the amount of data), which is not growth with the data.
            warm_at = (total // 2) // 500 * 500
            before = peak = 0
            received = 0

            async def read_fast():
                nonlocal received
                while received < total + 1:
                    frame = json.loads(await asyncio.wait_for(fast.recv(), 60))
                    batch = frame.get("messages") or ([frame] if frame.get("op") == "message" else [])
                    for m in batch:
                        received += 1
                    if batch:
                        await fast.send(json.dumps({"op": "ack", "sub": frame["sub"], "offset": batch[-1]["offset"],
                                                    "cumulative": True}))

            reader = asyncio.create_task(read_fast())
            for start in range(0, total, 500):
                await pub.send(json.dumps({"op": "publish_batch", "id": start + 1, "topic": topic,
                                           "messages": [{"data": payload} for _ in range(500)]}))
                frame = json.loads(await asyncio.wait_for(pub.recv(), 60))
                if frame.get("op") != "ok":
                    raise Failure(f"publish_batch failed: {frame}")
                if start == warm_at:
                    before = peak = rss_kib(pid)
                peak = max(peak, rss_kib(pid))
            await asyncio.wait_for(reader, 120)
            peak = max(peak, rss_kib(pid))
        stalled.close()
    growth_kib = peak - before
    if growth_kib * 1024 > data_mb * (1 << 20) // 4:  # half of the half published after the baseline
        raise Failure(f"broker RSS grew by {growth_kib} KiB after warm-up while a subscriber stalled on {data_mb} MB")
    return {"published_mb": data_mb, "fast_received": received, "rss_after_warmup_kib": before, "rss_peak_kib": peak}


async def connect_storm(port, count):
    start = time.monotonic()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.close()
    elapsed = time.monotonic() - start
    await publish_ok(port)
    return round(count / elapsed)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def churn(port, pid, data, seconds, workers):
    """Runs conn_churn.c against the broker; returns its JSON figures, or None without a C compiler."""
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conn_churn.c")
    binary = os.path.join(data, "conn_churn")
    try:
        subprocess.run(["cc", "-O2", "-o", binary, source], check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError):
        return None
    before = open_fds(pid)
    result = subprocess.run([binary, str(port), str(seconds), str(workers), "ws"], capture_output=True, text=True,
                            timeout=seconds + 60)
    figures = json.loads(result.stdout)
    if result.returncode != 0 or figures["failed"] != 0:
        raise Failure(f"connection churn: {figures} {result.stderr[:300]}")
    await publish_ok(port)
    # Closed connections release their descriptors (the server closes after the close handshake).
    for _ in range(50):
        if open_fds(pid) <= before:
            break
        await asyncio.sleep(0.1)
    figures["broker_fds_before"], figures["broker_fds_after"] = before, open_fds(pid)
    if figures["broker_fds_after"] > before:
        raise Failure(f"descriptors leaked by churn: {figures}")
    return figures


async def main_async(args):
    data = tempfile.mkdtemp(prefix="roost-net-")
    proc = None
    try:
        proc, port = start_broker(args.roost, os.path.join(data, "store"), os.path.join(data, "broker.log"))
        await publish_ok(port)
        await vanishing_clients(port, args.vanishing)
        held = await half_open(port, args.half_open)
        slow = await slow_subscriber(port, proc.pid, args.data_mb)
        rate = await connect_storm(port, args.connects)
        churned = await churn(port, proc.pid, data, args.churn_seconds, args.churn_workers)
        for sock in held:
            sock.close()
        await publish_ok(port)
        print(json.dumps({"vanishing_clients": args.vanishing, "half_open": args.half_open, "slow_subscriber": slow,
                          "connects": args.connects, "connects_per_second": rate, "churn": churned,
                          "rss_end_kib": rss_kib(proc.pid)}))
        return 0
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        finish(proc, data)


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--vanishing", type=int, default=200)
    parser.add_argument("--half-open", type=int, default=200)
    parser.add_argument("--data-mb", type=int, default=40)
    parser.add_argument("--connects", type=int, default=3000)
    parser.add_argument("--churn-seconds", type=float, default=10)
    parser.add_argument("--churn-workers", type=int, default=4)
    args = parser.parse_args()
    return asyncio.run(asyncio.wait_for(main_async(args), 600))


if __name__ == "__main__":
    sys.exit(main())

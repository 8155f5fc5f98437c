#!/usr/bin/env python3
"""Damaged files under a real `roost serve` (127.0.0.1, ephemeral port, temporary data directory):

1. publish into small segments, stop the broker, flip a bit in an older segment, truncate the tail of the
   last one, remove the index files of another and truncate a durable consumer's state file;
2. `roost log verify` must exit 5 and name the damaged segment with a byte position;
3. the broker must start again, say in its log what it repaired, serve every message outside the damaged
   batch (a replay from offset 0 gets all of them, and one `data_loss` error frame where the damaged batch
   was), and accept publishes at the next offset.
Prints one JSON line with what it saw; exit 0 when every check held.
"""
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_checker import Failure, argument_parser, finish, start_broker  # noqa: E402

TOPIC = "damage.check"


def find_dir(root, name):
    for path, dirs, _ in os.walk(root):
        if name in dirs:
            return os.path.join(path, name)
    raise Failure(f"no directory {name} under {root}")


async def publish(port, count):
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10) as ws:
        for i in range(count):
            await ws.send(json.dumps({"op": "publish", "id": i, "topic": TOPIC, "data": {"i": i, "pad": "x" * 200}}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("op") != "ok":
                raise Failure(f"publish failed: {frame}")
        await ws.send(json.dumps({"op": "subscribe", "id": "s", "topic": TOPIC, "consumer": "keeper",
                                  "from": "earliest", "ack": "explicit"}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("op") == "message":
                await ws.send(json.dumps({"op": "ack", "sub": frame["sub"], "offset": frame["offset"]}))
                if frame["offset"] == 9:
                    return frame["offset"]


async def read_from(port, offset, count):
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "from": {"offset": offset},
                                  "ack": "none"}))
        got = []
        while len(got) < count:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("op") == "message":
                got.append(frame["data"]["i"])
            elif frame.get("op") == "messages":
                got += [m["data"]["i"] for m in frame["messages"]]
            elif frame.get("op") == "error":
                raise Failure(f"read from {offset}: {frame}")
        return got


async def replay_all(port):
    """Every message from offset 0 until caught up, and the `data_loss` notices met on the way."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "from": "earliest", "ack": "none"}))
        got, notices = [], []
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("op") == "message":
                got.append(frame["data"]["i"])
            elif frame.get("op") == "messages":
                got += [m["data"]["i"] for m in frame["messages"]]
            elif frame.get("op") == "error" and frame.get("code") == "data_loss" and "id" not in frame:
                notices.append(frame["message"])
            elif frame.get("op") == "error":
                raise Failure(f"replay: {frame}")
            elif frame.get("op") == "caught_up":
                return got, notices


async def main_async(args):
    data = tempfile.mkdtemp(prefix="roost-damage-")
    store, log_path = os.path.join(data, "store"), os.path.join(data, "broker.log")
    os.environ["ROOST_SEGMENT_BYTES"] = "4096"
    proc = None
    try:
        proc, port = start_broker(args.roost, store, log_path)
        await publish(port, 200)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        topic_dir = find_dir(store, TOPIC)
        segments = sorted(f for f in os.listdir(topic_dir) if f.endswith(".log"))
        if len(segments) < 4:
            raise Failure(f"expected several segments, got {segments}")
        bases = [int(s[:-4]) for s in segments]
        damaged = os.path.join(topic_dir, segments[1])
        with open(damaged, "r+b") as f:
            f.seek(os.path.getsize(damaged) - 20)
            byte = f.read(1)
            f.seek(-1, 1)
            f.write(bytes([byte[0] ^ 0x01]))
        for suffix in (".index", ".timeindex"):
            os.unlink(os.path.join(topic_dir, segments[2][:-4] + suffix))
        last = os.path.join(topic_dir, segments[-1])
        os.truncate(last, os.path.getsize(last) - 5)
        marker = [p for p in (os.path.join(r, ".clean-shutdown") for r, _, _ in os.walk(store)) if os.path.exists(p)]
        for p in marker:
            os.unlink(p)
        consumer_files = [os.path.join(r, f) for r, _, fs in os.walk(store) for f in fs
                          if f == "keeper.json" and os.path.basename(r) == "consumers"]
        for p in consumer_files:
            os.truncate(p, os.path.getsize(p) // 2)

        verify = subprocess.run([args.roost, "log", "verify", topic_dir, "--no-progress"], capture_output=True,
                                timeout=60, text=True)
        report = verify.stdout + verify.stderr
        if verify.returncode != 5 or segments[1] not in report:
            raise Failure(f"roost log verify exit {verify.returncode}, output: {report[:500]}")

        proc, port = start_broker(args.roost, store, log_path)
        with open(log_path, errors="replace") as f:
            broker_log = f.read()
        repaired = [line.strip() for line in broker_log.splitlines()
                    if "recovered log" in line or "truncat" in line or "set aside" in line]
        if not repaired:
            raise Failure("the broker's log says nothing about the repair")
        first_batch_after = bases[2]
        served_before = await read_from(port, 0, 1)
        served_after = await read_from(port, first_batch_after, 10)
        if served_before != [0] or served_after != list(range(first_batch_after, first_batch_after + 10)):
            raise Failure(f"intact messages not served: {served_before} {served_after}")
        replayed, notices = await replay_all(port)
        lost = bases[2] - 1  # the last message of the damaged segment (one message per batch)
        if replayed != [i for i in range(199) if i != lost] or len(notices) != 1 or f"offsets {lost}-{lost}" not in notices[0]:
            raise Failure(f"replay past the damage: {len(replayed)} messages, notices {notices}")
        async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10) as ws:
            await ws.send(json.dumps({"op": "publish", "id": 1, "topic": TOPIC, "data": {"i": -1}}))
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame.get("op") != "ok" or frame["offset"] != 199:
                raise Failure(f"publish after repair: {frame} (the torn last message is offset 199)")
        print(json.dumps({"segments": len(segments), "verify_exit": verify.returncode,
                          "verify_report": [l for l in report.splitlines() if segments[1] in l][:2],
                          "broker_repair_log": repaired[:4], "consumer_file_truncated": len(consumer_files),
                          "replayed": len(replayed), "data_loss_notices": notices,
                          "next_offset_after_repair": frame["offset"]}))
        return 0
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        finish(proc, data)


def main():
    parser = argument_parser(__doc__)
    args = parser.parse_args()
    return asyncio.run(asyncio.wait_for(main_async(args), 300))


if __name__ == "__main__":
    sys.exit(main())

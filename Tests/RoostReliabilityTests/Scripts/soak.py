#!/usr/bin/env python3
"""Soak: mixed load against `roost serve` for --seconds, sampling the broker's RSS and open descriptors
every --sample seconds (127.0.0.1, ephemeral port, temporary data directory).

Load: publishers (batches with confirms), a live subscriber with explicit acks, a subscriber that replays
from the earliest offset and reconnects every 15 s, short-lived clients connecting and leaving, and
retention deleting segments (small segments, short retention). Prints one JSON line per sample and a
summary; exit 1 if RSS at the end is more than 10% above its level after warm-up (a third of the run), or if
the descriptor count grew by more than 20 (leaks).
"""
import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_checker import start_broker  # noqa: E402
from network_faults import rss_kib  # noqa: E402

TOPIC = "soak.events"


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def publisher(port, stop, counts):
    payload = "p" * 200
    while not stop.is_set():
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10) as ws:
                n = 0
                while not stop.is_set():
                    n += 1
                    await ws.send(json.dumps({"op": "publish_batch", "id": n, "topic": TOPIC,
                                              "messages": [{"data": payload} for _ in range(50)]}))
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                    if frame.get("op") == "ok":
                        counts["published"] += 50
                    await asyncio.sleep(0.01)
        except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
            counts["errors"] += 1
            await asyncio.sleep(0.5)


async def subscriber(port, stop, counts, replay):
    while not stop.is_set():
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
                request = {"op": "subscribe", "id": 1, "topic": TOPIC, "batch": 200}
                if replay:
                    request.update({"from": "earliest", "ack": "none"})
                else:
                    request.update({"consumer": "soak-live", "from": "latest", "ack": "explicit", "max_inflight": 1000})
                await ws.send(json.dumps(request))
                deadline = time.monotonic() + (15 if replay else 1e9)
                while not stop.is_set() and time.monotonic() < deadline:
                    try:
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 1))
                    except asyncio.TimeoutError:
                        continue
                    batch = frame.get("messages") or ([frame] if frame.get("op") == "message" else [])
                    counts["replayed" if replay else "delivered"] += len(batch)
                    if batch and not replay:
                        await ws.send(json.dumps({"op": "ack", "sub": frame["sub"], "offset": batch[-1]["offset"],
                                                  "cumulative": True}))
        except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
            counts["errors"] += 1
            await asyncio.sleep(0.5)


async def churn(port, stop, counts):
    while not stop.is_set():
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", open_timeout=10) as ws:
                await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "from": "latest"}))
                await asyncio.wait_for(ws.recv(), 10)
            counts["connections"] += 1
        except (OSError, websockets.WebSocketException, asyncio.TimeoutError):
            counts["errors"] += 1
        await asyncio.sleep(0.05)


async def main_async(args):
    data = tempfile.mkdtemp(prefix="roost-soak-")
    store = os.path.join(data, "store")
    proc, port = None, None
    try:
        os.environ.update({"ROOST_SEGMENT_BYTES": str(1 << 20), "ROOST_RETENTION_MS": "60000",
                           "ROOST_RETENTION_INTERVAL_MS": "5000"})
        proc, port = start_broker(args.roost, store, os.path.join(data, "broker.log"))
        stop = asyncio.Event()
        counts = {"published": 0, "delivered": 0, "replayed": 0, "connections": 0, "errors": 0}
        tasks = [asyncio.create_task(publisher(port, stop, counts)) for _ in range(2)]
        tasks += [asyncio.create_task(subscriber(port, stop, counts, replay)) for replay in (False, True)]
        tasks.append(asyncio.create_task(churn(port, stop, counts)))
        samples = []
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            await asyncio.sleep(args.sample)
            segments = sum(len([f for f in files if f.endswith(".log")])
                           for root, _, files in os.walk(store) if os.path.basename(root) == TOPIC)
            sample = {"t": round(time.monotonic() - start), "rss_kib": rss_kib(proc.pid), "fds": fds(proc.pid),
                      "segments": segments, **counts}
            samples.append(sample)
            print(json.dumps(sample), flush=True)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        warm = samples[len(samples) // 3]
        end = samples[-1]
        rss = [s["rss_kib"] for s in samples[len(samples) // 3:]]
        summary = {"seconds": args.seconds, "samples": len(samples), "rss_warm_kib": warm["rss_kib"],
                   "rss_end_kib": end["rss_kib"], "rss_min_kib": min(rss), "rss_max_kib": max(rss),
                   "fds_warm": warm["fds"], "fds_end": end["fds"], **counts}
        print(json.dumps({"summary": summary}), flush=True)
        ok = end["rss_kib"] <= warm["rss_kib"] * 1.10 and end["fds"] <= warm["fds"] + 20
        return 0 if ok else 1
    finally:
        if proc is not None:
            proc.kill()
            proc.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roost", default=".build/debug/roost")
    parser.add_argument("--seconds", type=int, default=1800)
    parser.add_argument("--sample", type=int, default=10)
    args = parser.parse_args()
    return asyncio.run(asyncio.wait_for(main_async(args), args.seconds + 300))


if __name__ == "__main__":
    sys.exit(main())

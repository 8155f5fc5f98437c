#!/usr/bin/env python3
"""Crash under load: SIGKILL `roost serve` at random moments while publishers and durable consumers run,
restart it, and check after every round that no confirmed publish was lost (Docs/reliability.md).

Per round: start the broker (ephemeral port, one data directory for all rounds), read the whole topic and
verify it, then run publishers (numbered messages with dedup ids, confirms awaited, pipelined) and durable
consumers (explicit acks) until a random moment, and SIGKILL the broker. Unconfirmed publishes are retried
with the same dedup id in the next round. Checked after each restart:
  - offsets are dense from 0 and every message is stored at most once (retries made no duplicate);
  - every confirmed publish is present at the offset its confirm gave;
  - each durable consumer's first delivery is at or before its ack floor (nothing unacked is skipped).
Exit status 0 only when all of that held in every round. Only 127.0.0.1; everything has a timeout.
"""
import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import websockets

TOPIC = "crash.check"
URL_RE = re.compile(rb"ws://127\.0\.0\.1:(\d+)/v1/ws")


class Failure(Exception):
    pass


class Model:
    """What the checker knows: confirms, retries and consumer ack floors across rounds."""

    def __init__(self, publishers, consumers):
        self.confirmed = {}        # (p, s) -> offset
        self.next_seq = [0] * publishers
        self.retry = [[] for _ in range(publishers)]
        self.floor = {f"c{i}": 0 for i in range(consumers)}
        self.acked = {f"c{i}": set() for i in range(consumers)}
        self.first_delivery = {}
        self.published = 0
        self.retried = 0


def start_broker(roost, data, log_path):
    start = os.path.getsize(log_path) if os.path.exists(log_path) else 0
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [roost, "serve", "--host", "127.0.0.1", "--port", "0", "--data", data, "--log-level", "info"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure(f"broker exited with {proc.returncode} before serving (see {log_path})")
        with open(log_path, "rb") as f:
            f.seek(start)
            found = URL_RE.findall(f.read())
        if found:
            return proc, int(found[-1])
        time.sleep(0.05)
    proc.kill()
    raise Failure("broker did not start within 60 s")


async def read_topic(port, expect_topic):
    """Every stored message, via an ephemeral subscription from the start until caught up. A topic that does
    not exist yet (nothing was ever confirmed) sends no `caught_up`: that is an empty topic."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "from": "earliest",
                                  "ack": "none", "batch": 1000, "max_inflight": 10000}))
        records = []
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30 if expect_topic else 3))
            except asyncio.TimeoutError:
                if expect_topic:
                    raise Failure("reading the topic back timed out")
                return records
            op = frame.get("op")
            if op == "error":
                if frame.get("code") == "topic_not_found":
                    return []
                raise Failure(f"subscribe failed: {frame}")
            if op == "message":
                records.append((frame["offset"], frame["data"]))
            elif op == "messages":
                records += [(m["offset"], m["data"]) for m in frame["messages"]]
            elif op == "caught_up":
                if len(records) >= frame["offset"]:
                    return records


def verify(model, records, round_no):
    offsets = [o for o, _ in records]
    if offsets != list(range(len(records))):
        raise Failure(f"round {round_no}: offsets are not dense from 0")
    stored = {}
    for offset, data in records:
        key = (data["p"], data["s"])
        if key in stored:
            raise Failure(f"round {round_no}: {key} stored twice, at {stored[key]} and {offset}")
        stored[key] = offset
    lost = [(k, o) for k, o in model.confirmed.items() if stored.get(k) != o]
    if lost:
        raise Failure(f"round {round_no}: {len(lost)} confirmed publishes lost or moved, e.g. {lost[:3]}")
    return len(records)


async def publisher(model, index, port, stop, window):
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
        inflight = {}
        next_id = 0

        async def sender():
            nonlocal next_id
            while not stop.is_set():
                if len(inflight) >= window:
                    await asyncio.sleep(0.001)
                    continue
                if model.retry[index]:
                    seq = model.retry[index].pop()
                    model.retried += 1
                else:
                    seq = model.next_seq[index]
                    model.next_seq[index] += 1
                next_id += 1
                inflight[next_id] = seq
                await ws.send(json.dumps({"op": "publish", "id": next_id, "topic": TOPIC,
                                          "dedup_id": f"p{index}-{seq}", "data": {"p": index, "s": seq}}))

        async def receiver():
            async for raw in ws:
                frame = json.loads(raw)
                seq = inflight.pop(frame.get("id"), None)
                if seq is None:
                    continue
                key = (index, seq)
                if frame.get("op") == "ok":
                    if key in model.confirmed and model.confirmed[key] != frame["offset"]:
                        raise Failure(f"{key} confirmed at {model.confirmed[key]} and again at {frame['offset']}")
                    model.confirmed[key] = frame["offset"]
                    model.published += 1
                else:
                    model.retry[index].append(seq)

        try:
            await asyncio.gather(sender(), receiver())
        finally:
            # Whatever was not confirmed is retried with its dedup id next round.
            model.retry[index].extend(inflight.values())
            inflight.clear()


async def consumer(model, name, port, stop):
    async with websockets.connect(f"ws://127.0.0.1:{port}/v1/ws", max_size=None, open_timeout=10) as ws:
        await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "consumer": name,
                                  "from": "earliest", "ack": "explicit", "max_inflight": 200}))
        first = True
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("op") == "error":
                if frame.get("code") == "topic_not_found":
                    await asyncio.sleep(0.05)
                    await ws.send(json.dumps({"op": "subscribe", "id": 1, "topic": TOPIC, "consumer": name,
                                              "from": "earliest", "ack": "explicit", "max_inflight": 200}))
                    continue
                raise Failure(f"consumer {name}: {frame}")
            if frame.get("op") != "message":
                continue
            offset = frame["offset"]
            if first:
                first = False
                if offset > model.floor[name]:
                    raise Failure(f"consumer {name} resumed at {offset}, past its ack floor {model.floor[name]}")
            await ws.send(json.dumps({"op": "ack", "sub": frame["sub"], "offset": offset}))
            acked = model.acked[name]
            acked.add(offset)
            while model.floor[name] in acked:
                acked.discard(model.floor[name])
                model.floor[name] += 1


async def run_round(model, port, args, rng):
    stop = asyncio.Event()
    tasks = [asyncio.create_task(publisher(model, i, port, stop, args.window)) for i in range(args.publishers)]
    tasks += [asyncio.create_task(consumer(model, f"c{i}", port, stop)) for i in range(args.consumers)]
    await asyncio.sleep(rng.uniform(args.min_run, args.max_run))
    return tasks, stop


async def main_async(args):
    rng = random.Random(args.seed)
    data = tempfile.mkdtemp(prefix="roost-crash-")
    log_path = os.path.join(data, "broker.log")
    store = os.path.join(data, "store")
    model = Model(args.publishers, args.consumers)
    total = 0
    try:
        for round_no in range(args.rounds + 1):
            proc, port = start_broker(args.roost, store, log_path)
            try:
                total = verify(model, await read_topic(port, bool(model.confirmed)), round_no)
                if round_no == args.rounds:
                    break
                tasks, stop = await run_round(model, port, args, rng)
            finally:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            stop.set()
            done = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
            for result in done:
                if isinstance(result, Failure):
                    raise result
            print(f"round {round_no + 1}: killed; confirmed {len(model.confirmed)}, stored before {total}", flush=True)
        pending = sum(len(r) for r in model.retry)
        print(json.dumps({"rounds": args.rounds, "confirmed": len(model.confirmed), "stored": total,
                          "retried_with_dedup_id": model.retried, "unconfirmed_at_end": pending,
                          "consumer_floors": model.floor, "lost": 0, "duplicates": 0}))
        return 0
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        print(f"data kept in {data}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and os.path.isdir(data):
            shutil.rmtree(data, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roost", default=".build/debug/roost")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--publishers", type=int, default=3)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--window", type=int, default=32, help="unconfirmed publishes per connection")
    parser.add_argument("--min-run", type=float, default=0.3, help="shortest load before the kill, s")
    parser.add_argument("--max-run", type=float, default=2.0, help="longest load before the kill, s")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    print(f"seed {args.seed}", flush=True)
    return asyncio.run(asyncio.wait_for(main_async(args), 60 + args.rounds * 60))


if __name__ == "__main__":
    sys.exit(main())

"""End-to-end scenarios against a running Roost broker, with the `websockets` library (not written by this
project) as the WebSocket client and urllib for the admin API.

Usage: roost_scenarios.py SCENARIO PORT. Prints what it checked; exits 0 when every check held.
A scenario may pause at a checkpoint: it prints `CHECKPOINT <action>` and waits for a line on stdin, so the
Swift test driving it can act on the server (advance its manual clock, restart it) without sleeping.
Every wait is bounded by a timeout, so a broken server fails the test instead of hanging it.
"""
import asyncio
import json
import sys
import urllib.error
import urllib.request

import websockets

TIMEOUT = 20


def url(port):
    return f"ws://127.0.0.1:{port}/v1/ws"


async def checkpoint(action):
    print(f"CHECKPOINT {action}", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    assert line.strip() == "ok", f"checkpoint {action}: got {line!r}"


class Conn:
    """A JSON connection: send frames, receive frames by op, with a timeout on every wait."""

    def __init__(self, ws):
        self.ws = ws
        self.backlog = []

    @classmethod
    async def open(cls, port, **kwargs):
        return cls(await websockets.connect(url(port), max_size=None, **kwargs))

    async def send(self, frame):
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":")))

    async def recv(self):
        if self.backlog:
            return self.backlog.pop(0)
        raw = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        assert isinstance(raw, str), f"expected a text frame, got {raw!r}"
        return json.loads(raw)

    async def expect(self, op, **fields):
        """The next frame, which must be `op` with `fields`; caught_up markers are skipped unless expected."""
        frame = await self.recv()
        while frame["op"] == "caught_up" and op != "caught_up":
            frame = await self.recv()
        assert frame["op"] == op, f"expected {op} {fields}, got {frame}"
        for key, value in fields.items():
            assert frame.get(key) == value, f"expected {key}={value!r} in {frame}"
        return frame

    async def request(self, frame):
        await self.send(frame)
        return await self.recv()

    async def subscribe(self, rid, **fields):
        await self.send({"op": "subscribe", "id": rid, **fields})
        return (await self.expect("ok", id=rid))["sub"]

    async def messages(self, count):
        """The next `count` deliveries (from message or messages frames), skipping caught_up markers."""
        got = []
        while len(got) < count:
            frame = await self.recv()
            if frame["op"] == "message":
                got.append(frame)
            elif frame["op"] == "messages":
                got.extend(dict(m, sub=frame["sub"]) for m in frame["messages"])
            else:
                assert frame["op"] == "caught_up", f"unexpected {frame}"
        return got

    async def close(self):
        await self.ws.close()


async def publish_all(conn, topic, payloads, first_id=1):
    """Publishes with ids and checks that the confirms come in request order with consecutive offsets."""
    for index, payload in enumerate(payloads):
        await conn.send({"op": "publish", "id": first_id + index, "topic": topic, "data": payload})
    offsets = []
    for index in range(len(payloads)):
        ok = await conn.expect("ok", id=first_id + index, durable=True)
        offsets.append(ok["offset"])
    assert offsets == list(range(offsets[0], offsets[0] + len(payloads))), offsets
    return offsets


# Scenarios ---------------------------------------------------------------------------------------------------


async def roundtrip_json(port):
    sub = await Conn.open(port)
    await sub.subscribe("s", topic="orders.created", **{"from": "latest"})
    pub = await Conn.open(port, subprotocols=["roost.v1.json"])
    assert pub.ws.subprotocol == "roost.v1.json"
    await publish_all(pub, "orders.created", [{"order": 17}, "text", [1, 2.5, None]])
    await pub.send('{"op":"publish","id":"k","topic":"orders.created","key":"o-17","headers":{"trace":"ab"},'
                   '"data_b64":"AAEC/w=="}')
    await pub.expect("ok", id="k")
    await pub.send({"op": "publish_batch", "id": 9, "topic": "orders.created",
                    "messages": [{"data": {"n": 1}}, {"data": {"n": 2}}]})
    batch = await pub.expect("ok", id=9, count=2)
    got = await sub.messages(6)
    assert [m["offset"] for m in got] == list(range(6)), got
    assert [m.get("data") for m in got[:3]] == [{"order": 17}, "text", [1, 2.5, None]], got
    assert got[3]["data_b64"] == "AAEC/w==" and got[3]["key"] == "o-17" and got[3]["headers"] == {"trace": "ab"}
    assert batch["offset"] == 4 and got[5]["data"] == {"n": 2}
    # Batched delivery: a second subscription asks for `messages` frames.
    batched = await sub.subscribe("b", topic="orders.created", batch=50, **{"from": "earliest"})
    frame = await sub.expect("messages", sub=batched)
    assert [m["offset"] for m in frame["messages"]] == list(range(6)), frame
    await pub.close()
    await sub.close()
    print("ok")


async def wsbench_frames(port):
    """The frames wsbench sends (Roost proto plugin) get the answers it parses."""
    sub = await Conn.open(port, subprotocols=["roost.v1.json"])
    await sub.send('{"op":"subscribe","id":"s","topic":"bench","from":"latest"}')
    await sub.expect("ok", id="s")
    pub = await Conn.open(port, subprotocols=["roost.v1.json"])
    await pub.send('{"op":"publish","id":1,"topic":"bench","data":"abc"}')
    await pub.send('{"op":"publish","topic":"bench","data":"def"}')
    await pub.send('{"op":"publish","id":"f","topic":"bench.flush","data":"f"}')
    raw_ok = await asyncio.wait_for(pub.ws.recv(), TIMEOUT)
    assert raw_ok.startswith('{"op":"ok","id":1,'), raw_ok
    await pub.expect("ok", id="f")
    got = await sub.messages(2)
    assert [m["data"] for m in got] == ["abc", "def"], got
    print("ok")


async def fsync_metrics(port):
    """A topic under fsync always: its fdatasyncs are counted and timed in /metrics, with sub-millisecond buckets."""
    status, topic = http(port, "POST", "/v1/admin/topics", {"name": "durable", "config": {"fsync": "always"}})
    assert status == 201 and topic["config"]["fsync"] == "always", (status, topic)
    pub = await Conn.open(port)
    await publish_all(pub, "durable", [{"n": n} for n in range(3)])
    status, metrics = http(port, "GET", "/metrics")
    assert status == 200
    lines = metrics.splitlines()
    samples = [line for line in lines if line.startswith("roost_storage_fsync_seconds_count") and 'topic="durable"' in line]
    assert samples and float(samples[0].split()[-1]) >= 1, samples or lines
    buckets = [line for line in lines if line.startswith("roost_storage_fsync_seconds_bucket") and 'topic="durable"' in line]
    assert any('le="0.00005"' in line for line in buckets), buckets
    assert any('le="0.001"' in line for line in buckets), buckets
    await pub.close()
    print("ok")


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def bstr(b):
    b = b.encode() if isinstance(b, str) else b
    return varint(len(b)) + b


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def u8(self):
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self):
        shift = value = 0
        while True:
            byte = self.u8()
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    def bytes(self):
        n = self.varint()
        self.pos += n
        return self.data[self.pos - n:self.pos]


async def roundtrip_binary(port):
    async with websockets.connect(url(port), subprotocols=["roost.v1.binary"]) as ws:
        assert ws.subprotocol == "roost.v1.binary"
        # subscribe id "s" to topic "bin" from earliest: flags bit 1 (from), kind 0.
        await ws.send(bytes([0x03, 0x02]) + bstr('"s"') + bstr("bin") + bytes([0x00]))
        ok = Reader(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert ok.u8() == 0x81
        flags = ok.u8()
        assert ok.bytes() == b'"s"' and flags & 0x20
        sub = ok.bytes()
        payload = bytes(range(256))
        # publish id 1 to "bin" with raw payload bytes.
        await ws.send(bytes([0x01, 0x01]) + bstr("1") + bstr("bin") + bstr(payload))
        seen_ok = seen_message = False
        while not (seen_ok and seen_message):
            frame = Reader(await asyncio.wait_for(ws.recv(), TIMEOUT))
            op = frame.u8()
            frame.u8()
            if op == 0x81:
                assert frame.bytes() == b"1"
                assert frame.varint() == 0  # offset
                seen_ok = True
            elif op == 0x82:
                assert frame.bytes() == sub
                frame.u8()  # body flags
                assert frame.bytes() == b"bin"
                assert frame.varint() == 0
                frame.varint()  # timestamp
                assert frame.bytes() == payload
                seen_message = True
            else:
                assert op == 0x84, op  # caught_up
        # Garbage gets malformed_frame and the connection stays usable.
        await ws.send(bytes([0x01, 0x01, 0x05]))
        while True:  # the caught_up marker may still be on its way: it is not ordered against the ok
            err = Reader(await asyncio.wait_for(ws.recv(), TIMEOUT))
            op = err.u8()
            if op != 0x84:
                break
        assert op == 0x85, op
        flags = err.u8()
        if flags & 1:
            err.bytes()
        assert err.bytes() == b"malformed_frame"
        # A text frame on a binary connection is a policy violation: close 1008.
        await ws.send('{"op":"publish"}')
        try:
            while True:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd and closed.rcvd.code == 1008, closed
    print("ok")


async def durable_resume(port):
    pub = await Conn.open(port)
    await publish_all(pub, "orders", [{"order": n} for n in range(3)])
    billing = await Conn.open(port)
    sid = await billing.subscribe("b1", topic="orders", consumer="billing", ack="explicit", max_inflight=100,
                                  **{"from": "earliest"})
    got = await billing.messages(3)
    assert [m["offset"] for m in got] == [0, 1, 2], got
    await billing.expect("caught_up", sub=sid, offset=3)
    await billing.send({"op": "ack", "sub": sid, "offset": 0})
    await billing.send({"op": "ack", "id": "a1", "sub": sid, "offset": 1})
    await billing.expect("ok", id="a1")
    await billing.close()
    await publish_all(pub, "orders", [{"order": 3}, {"order": 4}], first_id=10)
    billing = await Conn.open(port)
    sid = await billing.subscribe("b2", topic="orders", consumer="billing", ack="explicit", **{"from": "latest"})
    got = await billing.messages(3)
    assert [m["offset"] for m in got] == [2, 3, 4], got
    assert got[0]["deliveries"] == 2 and "deliveries" not in got[1], got
    await billing.expect("caught_up", sub=sid, offset=5)
    await publish_all(pub, "orders", [{"order": 5}], first_id=20)
    live = await billing.messages(1)
    assert live[0]["offset"] == 5, live
    await billing.send({"op": "ack", "id": "a2", "sub": sid, "offset": 5, "cumulative": True})
    await billing.expect("ok", id="a2")
    print("ok")


async def shared_consumer(port):
    a = await Conn.open(port)
    b = await Conn.open(port)
    subs = {}
    for conn, rid in ((a, "a"), (b, "b")):
        subs[conn] = await conn.subscribe(rid, topic="jobs", consumer="workers", ack="explicit", max_inflight=1,
                                          **{"from": "earliest"})
    pub = await Conn.open(port)
    await pub.send({"op": "publish_batch", "id": 1, "topic": "jobs", "messages": [{"data": n} for n in range(20)]})
    await pub.expect("ok", id=1, count=20)
    first = {a: asyncio.Event(), b: asyncio.Event()}
    received = {a: [], b: []}

    async def work(conn, other):
        while len(received[a]) + len(received[b]) < 20:
            try:
                frame = await asyncio.wait_for(conn.recv(), 2 if first[other].is_set() else TIMEOUT)
            except asyncio.TimeoutError:
                return
            if frame["op"] != "message":
                continue
            received[conn].append(frame["offset"])
            first[conn].set()
            # Hold the first message until the other member got one: with max_inflight 1 the broker must then
            # hand the next message to the other member.
            await asyncio.wait_for(first[other].wait(), TIMEOUT)
            await conn.send({"op": "ack", "sub": subs[conn], "offset": frame["offset"]})

    await asyncio.gather(work(a, b), work(b, a))
    both = received[a] + received[b]
    assert sorted(both) == list(range(20)), received
    assert received[a] and received[b], received
    print("ok", len(received[a]), len(received[b]))


async def redelivery(port):
    pub = await Conn.open(port)
    await publish_all(pub, "tasks", ["t0", "t1"])
    conn = await Conn.open(port)
    sid = await conn.subscribe("r", topic="tasks", consumer="retry", ack="explicit", ack_wait_ms=30000,
                               max_deliveries=10, **{"from": "earliest"})
    got = await conn.messages(2)
    assert [m["offset"] for m in got] == [0, 1]
    # A negative ack redelivers at once, with the delivery count.
    await conn.send({"op": "nack", "id": "n", "sub": sid, "offset": 0})
    await conn.expect("ok", id="n")
    again = await conn.messages(1)
    assert again[0]["offset"] == 0 and again[0]["deliveries"] == 2, again
    await conn.send({"op": "ack", "id": "a0", "sub": sid, "offset": 0})
    await conn.expect("ok", id="a0")
    # Offset 1 stays unacked; once the ack wait has passed it comes back.
    await checkpoint("advance 31000")
    late = await conn.messages(1)
    assert late[0]["offset"] == 1 and late[0]["deliveries"] == 2, late
    await conn.send({"op": "ack", "id": "a", "sub": sid, "offset": 1})
    await conn.expect("ok", id="a")
    print("ok")


async def errors(port):
    """Every error code that bad input can reach, each on a connection that stays usable afterwards.
    The server runs with auto-create off, max_message_bytes 1024, max_batch_messages 3, 2 subscriptions per
    connection, and topics "t" and "u" created."""
    c = await Conn.open(port)

    async def expect_error(frame, code, rid=None):
        await c.send(frame)
        err = await c.expect("error", code=code)
        if rid is not None:
            assert err.get("id") == rid, err
        return err

    await expect_error("{not json", "invalid_json")
    await expect_error({"op": "fly", "id": 1}, "unknown_op", 1)
    await expect_error({"op": "ok", "id": 2}, "unknown_op", 2)
    await expect_error({"op": "publish", "id": 3, "data": 1}, "missing_field", 3)
    await expect_error({"op": "publish", "id": 4, "topic": "t", "data": 1, "key": 5}, "invalid_field", 4)
    await expect_error({"op": "subscribe", "id": 5, "topic": "t", "batch": 0}, "invalid_field", 5)
    await expect_error({"op": "subscribe", "id": 6, "topic": "t", "max_inflight": 0}, "invalid_field", 6)
    await expect_error({"op": "publish", "id": 7, "topic": "bad topic!", "data": 1}, "invalid_topic", 7)
    await expect_error({"op": "subscribe", "id": 8, "topic": "a.>.b"}, "invalid_topic", 8)
    await expect_error({"op": "publish", "id": 9, "topic": "missing", "data": 1}, "topic_not_found", 9)
    await expect_error({"op": "publish", "id": 10, "topic": "t", "data": "x" * 2000}, "message_too_large", 10)
    await expect_error({"op": "publish_batch", "id": 11, "topic": "t", "messages": [{"data": n} for n in range(4)]},
                       "batch_too_large", 11)
    await expect_error({"op": "ack", "id": 12, "sub": "s9", "offset": 3}, "unknown_subscription", 12)
    await expect_error({"op": "credit", "sub": "s9", "n": 3}, "unknown_subscription")
    await expect_error({"op": "unsubscribe", "id": 13, "sub": "s9"}, "unknown_subscription", 13)
    sid = await c.subscribe("x", topic="t", consumer="c", ack="explicit")
    await expect_error({"op": "ack", "id": 14, "sub": sid, "offset": 99}, "offset_out_of_range", 14)
    other = await Conn.open(port)
    await other.send({"op": "subscribe", "id": 15, "topic": "t", "consumer": "c", "ack": "none"})
    await other.expect("error", id=15, code="consumer_busy")
    await c.subscribe("y", topic="t")
    await expect_error({"op": "subscribe", "id": 16, "topic": "t"}, "too_many_subscriptions", 16)
    await expect_error({"op": "ack", "id": 17, "sub": sid}, "missing_field", 17)
    # Still usable after all that (topic "u": this connection subscribes to "t", whose deliveries would interleave).
    await c.send({"op": "publish", "id": 18, "topic": "u", "data": 1})
    await c.expect("ok", id=18)
    # A binary frame on a JSON connection is a policy violation: close 1008.
    await c.ws.send(b"\x01\x00")
    try:
        while True:
            await asyncio.wait_for(c.ws.recv(), TIMEOUT)
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd and closed.rcvd.code == 1008, closed
    print("ok")


def http(port, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw = error.read()
        status = error.code
    text = raw.decode()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


async def admin(port):
    assert http(port, "GET", "/healthz") == (200, "ok\n")
    assert http(port, "GET", "/readyz")[0] == 200
    status, topic = http(port, "POST", "/v1/admin/topics",
                         {"name": "orders.created", "config": {"retention_ms": None, "compression": "lz4"}})
    assert status == 201, (status, topic)
    assert topic["name"] == "orders.created" and topic["messages"] == 0 and topic["system"] is False, topic
    config = topic["config"]
    assert config["retention_ms"] is None and config["compression"] == "lz4" and config["fsync"] == "always", config
    assert set(config) == {"segment_bytes", "segment_ms", "retention_ms", "retention_bytes", "compression", "fsync",
                           "fsync_interval_ms"}, config
    assert http(port, "POST", "/v1/admin/topics", {"name": "orders.created"})[1]["error"]["code"] == "topic_exists"
    status, error = http(port, "POST", "/v1/admin/topics", {"name": "bad name"})
    assert (status, error["error"]["code"]) == (400, "invalid_topic"), error
    status, error = http(port, "POST", "/v1/admin/topics", {"name": "x", "config": {"fsync": "sometimes"}})
    assert (status, error["error"]["code"]) == (400, "invalid_field"), error
    c = await Conn.open(port)
    await publish_all(c, "orders.created", [1, 2, 3])
    status, topics = http(port, "GET", "/v1/admin/topics")
    assert status == 200 and [t["name"] for t in topics["topics"]] == ["orders.created"], topics
    status, topic = http(port, "GET", "/v1/admin/topics/orders.created")
    assert topic["end_offset"] == 3 and topic["messages"] == 3 and topic["size_bytes"] > 0, topic
    status, topic = http(port, "PATCH", "/v1/admin/topics/orders.created",
                         {"config": {"fsync": "interval", "fsync_interval_ms": 250, "retention_bytes": 1000000}})
    assert status == 200 and topic["config"]["fsync"] == "interval", topic
    assert topic["config"]["fsync_interval_ms"] == 250 and topic["config"]["retention_bytes"] == 1000000, topic
    assert topic["config"]["compression"] == "lz4", topic
    assert http(port, "GET", "/v1/admin/topics/nope")[0] == 404
    # Consumers: one durable consumer with a member, acked up to 1.
    sid = await c.subscribe("s", topic="orders.created", consumer="billing", ack="explicit", max_inflight=50,
                            **{"from": "earliest"})
    await c.messages(3)
    await c.send({"op": "ack", "id": "a", "sub": sid, "offset": 0})
    await c.expect("ok", id="a")
    status, consumer = http(port, "GET", "/v1/admin/consumers/billing")
    assert status == 200 and consumer["members"] == 1 and consumer["durable"] is True, consumer
    assert consumer["ack"] == "explicit" and consumer["max_inflight"] == 50 and consumer["filter"] == "orders.created"
    cursor = consumer["cursors"][0]
    assert cursor == {"topic": "orders.created", "ack_floor": 1, "pending": 2, "end_offset": 3, "lag": 2}, cursor
    assert consumer["lag"] == 2, consumer
    await checkpoint("refresh_metrics")
    status, error = http(port, "POST", "/v1/admin/consumers/billing/reset", {"to": "earliest"})
    assert (status, error["error"]["code"]) == (409, "consumer_busy"), (status, error)
    assert http(port, "DELETE", "/v1/admin/consumers/billing")[0] == 409
    status, consumers = http(port, "GET", "/v1/admin/consumers")
    assert "billing" in [x["name"] for x in consumers["consumers"]], consumers
    await c.send({"op": "unsubscribe", "id": "u", "sub": sid})
    await c.expect("ok", id="u")
    status, consumer = http(port, "POST", "/v1/admin/consumers/billing/reset", {"to": {"offset": 2}})
    assert status == 200 and consumer["cursors"][0]["ack_floor"] == 2 and consumer["members"] == 0, consumer
    status, consumer = http(port, "POST", "/v1/admin/consumers/billing/reset",
                            {"to": "latest", "topic": "orders.created"})
    assert status == 200 and consumer["lag"] == 0, consumer
    assert http(port, "POST", "/v1/admin/consumers/billing/reset", {"to": "sideways"})[0] == 400
    assert http(port, "GET", "/v1/admin/consumers/nobody")[1]["error"]["code"] == "consumer_not_found"
    assert http(port, "DELETE", "/v1/admin/consumers/billing")[0] == 204
    assert http(port, "GET", "/v1/admin/consumers/billing")[0] == 404
    status, stats = http(port, "GET", "/v1/admin/stats")
    assert status == 200 and stats["topics"] == 1 and stats["messages_in"] == 3 and stats["connections"] >= 1, stats
    assert stats["messages_out"] == 3 and stats["bytes_in"] > 0 and stats["storage_bytes"] > 0, stats
    assert set(stats["rates"]) == {"messages_in_per_s", "messages_out_per_s"}, stats
    assert http(port, "DELETE", "/v1/admin/topics/orders.created")[0] == 204
    assert http(port, "GET", "/v1/admin/topics")[1] == {"topics": []}
    assert http(port, "PUT", "/v1/admin/topics")[0] == 405
    status, metrics = http(port, "GET", "/metrics")
    for name in ("roost_connections_open", "roost_messages_published_total", "roost_messages_delivered_total",
                 "roost_bytes_published_total", "roost_errors_total", "roost_topic_end_offset",
                 "roost_consumer_lag", "roost_log_size_bytes", "roost_subscriptions_open"):
        assert name in metrics, f"{name} missing from /metrics"
    print("ok")


async def restart_publish(port):
    pub = await Conn.open(port)
    await publish_all(pub, "events", [{"n": n} for n in range(10)])
    c = await Conn.open(port)
    sid = await c.subscribe("r", topic="events", consumer="resumer", ack="explicit", **{"from": "earliest"})
    got = await c.messages(10)
    assert [m["offset"] for m in got] == list(range(10))
    await c.send({"op": "ack", "id": "a", "sub": sid, "offset": 4, "cumulative": True})
    await c.expect("ok", id="a")
    print("ok")


async def restart_resume(port):
    c = await Conn.open(port)
    sid = await c.subscribe("r", topic="events", consumer="resumer", ack="explicit", **{"from": "latest"})
    got = await c.messages(5)
    assert [m["offset"] for m in got] == [5, 6, 7, 8, 9], got
    assert [m["data"] for m in got] == [{"n": n} for n in range(5, 10)], got
    await c.expect("caught_up", sub=sid, offset=10)
    pub = await Conn.open(port)
    offsets = await publish_all(pub, "events", [{"n": 10}])
    assert offsets == [10], offsets
    print("ok")


async def drain_on_shutdown(port):
    """Publishes, asks for a shutdown at a checkpoint, and expects an answer to every publish the server read, in
    order (ok, or shutting_down for one read after the drain began), then close 1001."""
    # Room for every answer: with websockets' default queue of 16 frames the client stops reading while it
    # waits at the checkpoint, never sees the close frame, and the server waits out its close timeout.
    c = await Conn.open(port, max_queue=256)
    for n in range(200):
        await c.send({"op": "publish", "id": n, "topic": "drain", "data": n})
    await c.expect("ok", id=0)
    await checkpoint("shutdown")
    answered = [0]
    try:
        while True:
            frame = await c.recv()
            assert frame["op"] == "ok" or frame.get("code") == "shutting_down", frame
            answered.append(frame["id"])
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd and closed.rcvd.code == 1001, closed
    assert answered == list(range(len(answered))), answered
    print("ok", len(answered))


async def slow_subscriber(port):
    """A subscriber that stops reading is not pushed everything: with ack none the server gives the broker credit
    only for what it could write, so the consumer's position stays near what the socket buffers hold while the
    rest waits in the log; once the subscriber reads again it gets every message, in order. Binary encoding, so
    that the 12 MB pass quickly through a debug build."""
    import socket
    binary = {"subprotocols": ["roost.v1.binary"], "max_size": None}
    async with websockets.connect(url(port), max_queue=1, **binary) as slow, \
            websockets.connect(url(port), **binary) as pub:
        slow.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        # subscribe id "s", topic "flood", consumer "slow", from earliest, max_inflight 100.
        await slow.send(bytes([0x03, 0x0B]) + bstr('"s"') + bstr("flood") + bstr("slow") + bytes([0x00]) + varint(100))
        ok = Reader(await asyncio.wait_for(slow.recv(), TIMEOUT))
        assert ok.u8() == 0x81, "subscribe not confirmed"
        payload = b"x" * 2000
        batches, per_batch = 12, 500
        entry = bytes([0x00]) + bstr(payload)
        for n in range(batches):
            await pub.send(bytes([0x02, 0x01]) + bstr(str(n)) + bstr("flood") + varint(per_batch) + entry * per_batch)
        for n in range(batches):
            frame = Reader(await asyncio.wait_for(pub.recv(), TIMEOUT))
            assert frame.u8() == 0x81, "publish not confirmed"
        total = batches * per_batch
        status, consumer = http(port, "GET", "/v1/admin/consumers/slow")
        delivered = consumer["cursors"][0]["ack_floor"]
        # What kernel and transport buffers hold (about 4.5 MB on Linux loopback) is pushed; not the rest.
        assert delivered <= total * 3 // 4, f"{delivered} of {total} messages pushed to a subscriber that does not read"
        offsets = []
        while len(offsets) < total:
            frame = Reader(await asyncio.wait_for(slow.recv(), TIMEOUT))
            if frame.u8() != 0x82:
                continue
            frame.u8()
            frame.bytes()  # sub
            frame.u8()  # body flags
            frame.bytes()  # topic
            offsets.append(frame.varint())
        assert offsets == list(range(total)), "gap or duplicate"
        # Then the caught_up marker: read it, so the client's one-frame queue is free for the close handshake.
        while Reader(await asyncio.wait_for(slow.recv(), TIMEOUT)).u8() != 0x84:
            pass
    print("ok", delivered, "of", total, "pushed while not reading")


async def pipelined_publishes(port):
    """Many publishes sent without waiting, on a server that pauses reading after 2 unconfirmed ones: reading
    resumes as confirms drain, and every publish is confirmed, in request order, across topics."""
    c = await Conn.open(port)
    count = 300
    for n in range(count):
        await c.send({"op": "publish", "id": n, "topic": f"pipe.{n % 3}", "data": n})
    offsets = {}
    for n in range(count):
        ok = await c.expect("ok", id=n)
        topic = n % 3
        assert ok["offset"] == offsets.get(topic, -1) + 1, (n, ok)
        offsets[topic] = ok["offset"]
    print("ok")


async def first_frame_auth(port):
    """A browser-style client: no token at the upgrade, so it may only authenticate; then auth and subscribe sent
    back to back; a service publishes with its token in the Authorization header and the browser gets it."""
    browser = await Conn.open(port)
    await browser.send({"op": "subscribe", "id": 1, "topic": "orders.*"})
    await browser.expect("error", id=1, code="unauthorized")
    await browser.send({"op": "auth", "id": 2, "token": "orders-token"})
    await browser.send({"op": "subscribe", "id": 3, "topic": "orders.*", "from": "earliest"})
    await browser.expect("ok", id=2)
    sub = (await browser.expect("ok", id=3))["sub"]
    service = await Conn.open(port, additional_headers={"Authorization": "Bearer orders-token"})
    await service.send({"op": "publish", "id": 1, "topic": "orders.created", "data": {"n": 1}})
    await service.expect("ok", id=1)
    message = await browser.expect("message", sub=sub)
    assert message["data"] == {"n": 1}, message
    print("ok")


SCENARIOS = {name: fn for name, fn in globals().items() if asyncio.iscoroutinefunction(fn) and fn.__module__ == "__main__"
             and name not in ("checkpoint", "publish_all")}


async def main():
    scenario, port = sys.argv[1], int(sys.argv[2])
    await asyncio.wait_for(SCENARIOS[scenario](port), timeout=60)


if __name__ == "__main__":
    asyncio.run(main())

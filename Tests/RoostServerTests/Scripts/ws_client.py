"""A WebSocket client for Roost's transport tests, on the `websockets` library (not written by this project).

Usage: ws_client.py SCENARIO URL. Prints what it saw; exits 0 when every check held, non-zero otherwise.
Every scenario is bounded by a timeout so a broken server fails the test instead of hanging it.
"""
import asyncio
import sys

import websockets


async def echo(url):
    async with websockets.connect(url) as ws:
        assert ws.subprotocol is None, ws.subprotocol
        await ws.send("héllo ✓")
        assert await ws.recv() == "héllo ✓"
        await ws.send(b"\x00\x01\xfe\xff")
        assert await ws.recv() == b"\x00\x01\xfe\xff"
        big = "x" * 300_000
        await ws.send(big)
        assert await ws.recv() == big
        await ws.send(["frag", "mented ", "ü"])  # one message in three frames
        assert await ws.recv() == "fragmented ü"
        await (await ws.ping(b"are you there"))
    async with websockets.connect(url, subprotocols=["roost.v1.binary", "roost.v1.json"]) as ws:
        assert ws.subprotocol == "roost.v1.binary", ws.subprotocol
        await ws.send(b"\x10\x20")
        assert await ws.recv() == b"\x10\x20"
    async with websockets.connect(url, subprotocols=["roost.v1.json"]) as ws:
        assert ws.subprotocol == "roost.v1.json", ws.subprotocol
        await ws.close(code=1000, reason="bye")
        assert ws.close_code == 1000, ws.close_code
    print("ok")


async def wait_for_close(url):
    async with websockets.connect(url) as ws:
        try:
            await ws.recv()
            print("unexpected message")
        except websockets.ConnectionClosed as closed:
            print("closed", closed.rcvd.code if closed.rcvd else None)


async def idle(url, count):
    """Opens `count` connections, 50 at a time, and holds them until the server closes them."""
    connections = []
    while len(connections) < count:
        batch = min(50, count - len(connections))
        connections += await asyncio.gather(*(websockets.connect(url) for _ in range(batch)))
    for ws in connections:
        await ws.wait_closed()
    print("closed", len(connections))


async def main():
    scenario, url = sys.argv[1], sys.argv[2]
    scenarios = {
        "echo": echo,
        "wait_for_close": wait_for_close,
        "idle": lambda url: idle(url, int(sys.argv[3])),
    }
    await asyncio.wait_for(scenarios[scenario](url), timeout=120)


if __name__ == "__main__":
    asyncio.run(main())

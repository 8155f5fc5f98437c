#!/usr/bin/env python3
"""Does the disk complete more fdatasyncs per second when several are in flight on one file?

Each of N threads appends 8 KiB with pwrite at its own next position of one file and fdatasyncs, for a few
seconds; prints syncs per second for N = 1, 2, 4 (twice). If more threads give many more syncs/s, a log writer
that overlaps its fdatasyncs (sync the next group while the previous sync is in flight, confirm in offset order)
gets proportionally more groups through per second than one that waits for each (Docs/benchmarks.md,
"Publish hot path").

    Tests/Benchmarks/fsync-concurrency.py [DIRECTORY] [SECONDS]    defaults: /tmp 3
"""
import os
import sys
import threading
import time


def run(path, threads, seconds):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    lock = threading.Lock()
    state = {"position": 0, "syncs": 0}
    stop = time.time() + seconds
    block = b"x" * 8192

    def worker():
        while time.time() < stop:
            with lock:
                position = state["position"]
                state["position"] += len(block)
            os.pwrite(fd, block, position)
            os.fdatasync(fd)
            with lock:
                state["syncs"] += 1

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    os.close(fd)
    os.unlink(path)
    return state["syncs"] / seconds


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    path = os.path.join(directory, "roost-fsync-concurrency-%d.dat" % os.getpid())
    for threads in (1, 2, 4, 1, 2, 4):
        print("%d thread(s): %d fdatasyncs/s" % (threads, run(path, threads, seconds)), flush=True)


if __name__ == "__main__":
    main()

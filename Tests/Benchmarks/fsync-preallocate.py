#!/usr/bin/env python3
"""What an fdatasync costs after a small write that grows the file, vs one over zeros already on disk, vs one into
fallocate'd (unwritten) space: the case for LogConfiguration.preallocateBytes (Docs/storage.md, "Preallocation").

  Tests/Benchmarks/fsync-preallocate.py [--dir /tmp] [--ops 3000] [--block 50] [--write 200] [--chunk 1048576]

Each mode has its own file; modes take turns in blocks of --block syncs (so they see the same disk load, yet
never share a journal commit inside a block). 'zeros' and 'fallocate' prepare --chunk bytes ahead whenever less
than half a chunk is left, inline, as the writer does (the cost lands on the next sync)."""
import argparse, os, time

p = argparse.ArgumentParser()
p.add_argument('--dir', default='/tmp'); p.add_argument('--ops', type=int, default=3000)
p.add_argument('--block', type=int, default=50); p.add_argument('--write', type=int, default=200)
p.add_argument('--chunk', type=int, default=1 << 20)
a = p.parse_args()
modes = ['append', 'zeros', 'fallocate']
fds, pos, front, times = {}, {}, {}, {}
for m in modes:
    path = os.path.join(a.dir, 'fsync-preallocate.' + m)
    if os.path.exists(path): os.unlink(path)
    fds[m] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    pos[m] = front[m] = 0; times[m] = []
data, zeros = b'x' * a.write, b'\0' * a.chunk
for _ in range(a.ops // a.block):
    for m in modes:
        fd = fds[m]
        for _ in range(a.block):
            t = time.perf_counter_ns(); os.pwrite(fd, data, pos[m]); os.fdatasync(fd)
            times[m].append(time.perf_counter_ns() - t); pos[m] += a.write
            if m != 'append' and front[m] - pos[m] < a.chunk // 2:
                start = max(front[m], pos[m])
                if m == 'zeros': os.pwrite(fd, zeros, start)
                else: os.posix_fallocate(fd, start, a.chunk)
                front[m] = start + a.chunk
for m in modes:
    v = sorted(times[m]); q = lambda f: v[min(len(v) - 1, int(len(v) * f))] // 1000
    print(f'{m:9s} write {a.write} B + fdatasync: p50 {q(.5)} us  p90 {q(.9)} us  p99 {q(.99)} us  mean {sum(v)//len(v)//1000} us')
    os.close(fds[m]); os.unlink(os.path.join(a.dir, 'fsync-preallocate.' + m))

#!/bin/bash
# Builds wsbench (../shared/wsbench, not part of this repository) with the plugins of this directory that speak
# Roost's batched modes (publish_batch, subscribe with "batch"): "roostb" (JSON encoding) and "roostbin" (binary
# encoding). Output: $OUT/wsbench.
#   Tests/Benchmarks/build-wsbench.sh [WSBENCH_SOURCE] [OUT]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${1:-$HERE/../../../shared/wsbench}
OUT=${2:-/tmp/wsbench-roostb}
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$SRC"/*.c "$SRC"/*.h "$SRC"/Makefile "$OUT"/
cp "$HERE/proto_roostb.c" "$HERE/proto_roostbin.c" "$OUT"/
cd "$OUT"
sed -i 's|^extern const proto_ops proto_roost;|extern const proto_ops proto_roost;\nextern const proto_ops proto_roostb;\nextern const proto_ops proto_roostbin;|' wsbench.h
sed -i 's|^\(\s*\)&proto_roost,|\1\&proto_roost,\n\1\&proto_roostb,\n\1\&proto_roostbin,|' wsbench.c
sed -i 's|proto_roost.o$|proto_roost.o proto_roostb.o proto_roostbin.o|' Makefile
# A publish_batch must be whole: roostb and roostbin never send a partial batch (the rest waits for the next round).
sed -i 's|^    while (n > 0) {$|    if (b > 1 \&\& strncmp(P->name, "roostb", 6) == 0) n -= n % (uint64_t)b;\n    while (n > 0) {|' wsbench.c
grep -q 'strncmp(P->name, "roostb", 6)' wsbench.c
make wsbench >/dev/null
echo "$OUT/wsbench"

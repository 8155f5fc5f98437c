#!/bin/bash
# One wsbench run against a fresh `roost serve --fsync FSYNC`, with the server's CPU split into user and system
# ticks (/proc/PID/stat) and its fdatasync count (roost_storage_fsyncs_total). Serve settings come from the
# environment (e.g. ROOST_FSYNC_CONCURRENCY=1), so two settings can be run alternately on one binary.
#
#   Tests/Benchmarks/wsbench-once.sh FSYNC WSBENCH-ARGS...     e.g. always latency -P roostb -r 10000 -d 10
# Env: ROOST (release binary; default .build/release/roost), PORT (15290), DIR (/tmp/wsbench-once).
# Only the server started here is stopped, by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOST=${ROOST:-$HERE/../../.build/release/roost}
PORT=${PORT:-15290}
D=${DIR:-/tmp/wsbench-once}
F=$1; shift
mkdir -p "$D"
WSB=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" "$D/wsbench")
rm -rf "$D/data"
"$ROOST" serve --port "$PORT" --data "$D/data" --fsync "$F" --log-level warning > "$D/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$PID/stat")
line=$("$WSB" "$@" --url "ws://127.0.0.1:$PORT/v1/ws" --server-pid "$PID" 2>/dev/null)
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$PID/stat")
syncs=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^roost_storage_fsyncs_total/ {s += $2} END {print s + 0}')
kill "$PID"; wait "$PID" 2>/dev/null
echo "load=$(cut -d' ' -f1 /proc/loadavg) user_ticks=$((u1 - u0)) system_ticks=$((s1 - s0)) fsyncs=$syncs" \
    "$(echo "$line" | tr ' ' '\n' | grep -E '^(pub_msgs_s|recv_msgs_s|lat_p50_us|lat_p99_us|lat_p999_us|srv_cpu_pct|errors)=' | tr '\n' ' ')"

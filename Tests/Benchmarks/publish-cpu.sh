#!/bin/bash
# Server CPU per published message: one wsbench publisher (window 256) against a fresh `roost serve`, CPU-seconds
# of the server process (user + system, from /proc/PID/stat) per million confirmed messages. CPU time, unlike
# msgs/s, holds up on a machine where other work runs (Docs/benchmarks.md, "Publish hot path").
#
#   Tests/Benchmarks/publish-cpu.sh [FSYNC [BATCH [COUNT [REPS]]]]    defaults: interval 64 1024000 1
# Env: ROOST (release binary; default .build/release/roost), PORT (14190).
# COUNT must be a multiple of BATCH and of 256. Only processes started here are stopped, by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOST=${ROOST:-$HERE/../../.build/release/roost}
F=${1:-interval}; B=${2:-64}; N=${3:-1024000}; REPS=${4:-1}
PORT=${PORT:-14190}
D=$(mktemp -d /tmp/roost-publish-cpu.XXXXXX)
WSB=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" "$D/wsbench")
URL=ws://127.0.0.1:$PORT/v1/ws
T=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for r in $(seq 1 "$REPS"); do
    rm -rf "$D/data"
    "$ROOST" serve --port "$PORT" --data "$D/data" --fsync "$F" --log-level warning > "$D/serve.log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
    # Warm up (creates the topic, so auto-create is not measured).
    "$WSB" pub -P roostb --url "$URL" --topic bench.p -p 1 -w 256 -b "$B" -c $((B * 64)) -d 0 > /dev/null 2>&1
    c0=$(cpu $PID)
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$("$WSB" pub -P roostb --url "$URL" --topic bench.p -p 1 -w 256 -b "$B" -c "$N" -d 0 2>&1)
    c1=$(cpu $PID)
    kill $PID; wait $PID 2>/dev/null
    rate=$(echo "$line" | tr ' ' '\n' | grep '^pub_msgs_s=' | cut -d= -f2)
    awk -v c0="$c0" -v c1="$c1" -v t="$T" -v n="$N" -v f="$F" -v b="$B" -v l="$load" -v rate="$rate" 'BEGIN {
        s = (c1 - c0) / t
        printf "fsync=%s batch=%s msgs=%d load=%s msgs_s=%s server_cpu_s=%.2f cpu_s_per_million=%.2f\n", f, b, n, l, rate, s, s / (n / 1e6)
    }'
done
rm -rf "$D"

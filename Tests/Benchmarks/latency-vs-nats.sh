#!/bin/bash
# Latency at 10,000 msgs/s, core NATS and one or more `roost serve` variants, interleaved round by round so that
# every server sees the same machine. Each variant is NAME:ENV:BINARY:FSYNC (ENV: space-separated VAR=value, or
# X=1 for none). Prints one line per run: p50, p99, p99.9 (µs) and the server's CPU (% of a core).
#
#   Tests/Benchmarks/latency-vs-nats.sh REPS VARIANT...
#   e.g. latency-vs-nats.sh 4 "before:X=1:/tmp/roost-before:interval" "after:X=1:.build/release/roost:interval"
# Env: DIR (/tmp/latency-vs-nats), DUR (seconds per run, 6), PORT_OFFSET (0: NATS 14380, Roost 14500 + i).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPS=$1; shift
D=${DIR:-/tmp/latency-vs-nats}
PO=${PORT_OFFSET:-0}
mkdir -p $D
W=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" $D/wsbench)
printf 'listen: "127.0.0.1:%d"\nwebsocket { host: "127.0.0.1", port: %d, no_tls: true, compression: false }\n' \
    $((14322 + PO)) $((14380 + PO)) > $D/nats.conf
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null; }
trap cleanup EXIT
nats-server -c $D/nats.conf > $D/nats.log 2>&1 &
NP=$!; PIDS+=($NP)
declare -A PORT PID
i=0
for spec in "$@"; do
    IFS=: read -r name envs bin fsync <<< "$spec"
    port=$((14500 + PO + i)); i=$((i + 1))
    rm -rf "$D/data-$name"
    env $envs "$bin" serve --port $port --data "$D/data-$name" --fsync "$fsync" --log-level warning > "$D/$name.log" 2>&1 &
    PID[$name]=$!; PORT[$name]=$port; PIDS+=($!)
done
sleep 1.5
keys='^(lat_p50_us|lat_p99_us|lat_p999_us|srv_cpu_pct)='
run() {   # run NAME PID ARGS...
    local name=$1 pid=$2; shift 2
    echo "$name r=$r $("$W" latency "$@" -r 10000 -d "${DUR:-6}" --warmup 1 --server-pid "$pid" 2>>$D/wsbench.err | tr ' ' '\n' | grep -E "$keys" | tr '\n' ' ')"
}
for r in $(seq 1 "$REPS"); do
    run nats $NP -P nats --url ws://127.0.0.1:$((14380 + PO))/
    for spec in "$@"; do
        IFS=: read -r name _ _ _ <<< "$spec"
        run "$name" "${PID[$name]}" -P roostb --url "ws://127.0.0.1:${PORT[$name]}/v1/ws"
    done
done

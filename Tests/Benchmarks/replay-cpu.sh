#!/bin/bash
# Server CPU per replayed million: fills a topic once, then replays it REPLAYS times, each by a new subscriber from
# earliest, against one `roost serve`. Per replay: msgs/s, server CPU-seconds (from /proc/PID/stat) split into event
# loops (threads NIO-*) and the rest (broker reader queues, storage), and the server's resident memory after it.
# CPU per message is what to compare while other processes load the machine; msgs/s is not.
#
#   Tests/Benchmarks/replay-cpu.sh [SERVE-ARGS...]     e.g. --set read_cache_bytes=0
# Env: ROOST (release binary; default .build/release/roost), PORT (15390), DIR (/tmp/replay-cpu), COUNT (1000000),
#      REPLAYS (3), INFLIGHT (ROOSTB_MAX_INFLIGHT of the replaying subscriber; wsbench's default when unset),
#      PERF (a file: `perf record -g` of the server during the replays, not the fill).
# Only the server started here is stopped, by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOST=${ROOST:-$HERE/../../.build/release/roost}
PORT=${PORT:-15390}
D=${DIR:-/tmp/replay-cpu}
COUNT=${COUNT:-1000000}
REPLAYS=${REPLAYS:-3}
mkdir -p "$D"
WSB=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" "$D/wsbench")
[ -n "${INFLIGHT:-}" ] && export ROOSTB_MAX_INFLIGHT=$INFLIGHT
rm -rf "$D/data"
"$ROOST" serve --port "$PORT" --data "$D/data" --fsync never --log-level warning --set max_inflight_limit=65536 "$@" \
    > "$D/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
URL="ws://127.0.0.1:$PORT/v1/ws"

ticks() {   # ticks: "event-loop-ticks other-ticks" of the server's threads so far
    local el=0 other=0 t name u s
    for t in /proc/$PID/task/*; do
        name=$(cat "$t/comm" 2>/dev/null) || continue
        read -r u s < <(awk '{print $14, $15}' "$t/stat" 2>/dev/null) || continue
        case "$name" in NIO-*) el=$((el + u + s)) ;; *) other=$((other + u + s)) ;; esac
    done
    echo "$el $other"
}
hz=$(getconf CLK_TCK)

"$WSB" replay -P roostb --url "$URL" --topic bench.replay -w 256 -b 64 -c "$COUNT" --server-pid "$PID" > "$D/fill.txt" 2>/dev/null
echo "fill: $(tr ' ' '\n' < "$D/fill.txt" | grep -E '^(pub_msgs_s|replay_msgs_s)=' | tr '\n' ' ')"
PERF_PID=
if [ -n "${PERF:-}" ]; then perf record -g -o "$PERF" -p "$PID" > "$D/perf.log" 2>&1 & PERF_PID=$!; sleep 0.5; fi
for r in $(seq 1 "$REPLAYS"); do
    read -r e0 o0 < <(ticks)
    line=$("$WSB" replay -P roostb --url "$URL" --topic bench.replay -w 256 -b 64 -c 0 --expect "$COUNT" --server-pid "$PID" 2>/dev/null)
    read -r e1 o1 < <(ticks)
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
    awk -v e=$((e1 - e0)) -v o=$((o1 - o0)) -v hz="$hz" -v n="$COUNT" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        -v rss="$rss" -v hwm="$hwm" -v line="$line" 'BEGIN {
        split(line, kv, " "); rate = "?"; recv = "?"
        for (i in kv) { if (kv[i] ~ /^replay_msgs_s=/) rate = substr(kv[i], 15); if (kv[i] ~ /^replay_recv=/) recv = substr(kv[i], 13) }
        printf "replay %d: load=%s msgs_s=%s recv=%s cpu_s_per_M=%.3f event_loop=%.3f other=%.3f rss_MB=%d peak_MB=%d\n",
            '"$r"', load, rate, recv, (e + o) / hz / (n / 1e6), e / hz / (n / 1e6), o / hz / (n / 1e6), rss / 1024, hwm / 1024 }'
done
[ -n "$PERF_PID" ] && kill -INT "$PERF_PID" && wait "$PERF_PID"

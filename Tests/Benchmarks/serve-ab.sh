#!/bin/bash
# Two `roost serve` side by side (fsync always, or $FSYNC), differing only in their environment (or binary), with short
# wsbench runs alternating between them, so that both see the same load of a shared machine. Prints one line per
# run: latency percentiles or publish rate, and the server's CPU-seconds during the run (from /proc/PID/stat).
#
#   Tests/Benchmarks/serve-ab.sh latency|pub REPS NAME_A "ENV_A" NAME_B "ENV_B" [WSBENCH ARGS...]
#   e.g. serve-ab.sh latency 6 off ROOST_PREALLOCATE_BYTES=0 on ROOST_PREALLOCATE_BYTES=1048576
#        serve-ab.sh pub 4 m8 ROOST_MERGED_BATCH_BYTES=8388608 m1 ROOST_MERGED_BATCH_BYTES=1048576 -p 4 -w 256 -b 64 -d 5
# Env: ROOST (release binary, default .build/release/roost), ROOST_B (B's binary, default ROOST), DIR (/tmp/serve-ab),
#      PORT_OFFSET (0: ports 14201, 14202), FSYNC (always), DUR (latency seconds, 5). Latency runs: 10,000 msgs/s, 128 B, 1 subscriber.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=$1 REPS=$2 NA=$3 EA=$4 NB=$5 EB=$6; shift 6
ROOST=${ROOST:-$HERE/../../.build/release/roost}
ROOST_B=${ROOST_B:-$ROOST}
D=${DIR:-/tmp/serve-ab}
PO=${PORT_OFFSET:-0}
mkdir -p $D
WSB=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" $D/wsbench)
start() {   # start NAME PORT ENV BINARY
    rm -rf $D/data-$1
    env $3 $4 serve --port $2 --data $D/data-$1 --fsync ${FSYNC:-always} --log-level warning > $D/$1.log 2>&1 &
    echo $! > $D/$1.pid
}
cleanup() { kill "$(cat $D/$NA.pid)" "$(cat $D/$NB.pid)" 2>/dev/null; }
trap cleanup EXIT
start $NA $((14201 + PO)) "$EA" $ROOST
start $NB $((14202 + PO)) "$EB" $ROOST_B
sleep 1.5
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
for r in $(seq 1 "$REPS"); do
    for n in $NA $NB; do
        if [ $n = $NA ]; then port=$((14201 + PO)); else port=$((14202 + PO)); fi
        pid=$(cat $D/$n.pid); c0=$(cpu $pid)
        if [ "$MODE" = latency ]; then
            line=$($WSB latency -P roostb --url ws://127.0.0.1:$port/v1/ws -r 10000 -d ${DUR:-5} --warmup 1 --server-pid $pid "$@" 2>>$D/wsbench.err)
            keys='lat_p50_us|lat_p99_us|lat_p999_us|recv_msgs_s'
        else
            line=$($WSB pub -P roostb --url ws://127.0.0.1:$port/v1/ws --topic bench.ab$r --server-pid $pid "$@" 2>>$D/wsbench.err)
            keys='pub_msgs_s'
        fi
        c1=$(cpu $pid)
        echo "$n rep=$r load=$(cut -d' ' -f1 /proc/loadavg) $(echo $line | tr ' ' '\n' | grep -E "^($keys)=" | tr '\n' ' ')srv_cpu_s=$(awk "BEGIN{print ($c1-$c0)/100}")"
    done
done

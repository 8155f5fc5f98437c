#!/bin/bash
# Bar 2 of issue 5: `roost bench client` (whose BatchingPublisher sends publish_batch frames) against
# `roost bench pub -c 1 -w 1000` with one message per frame (its default) and with `--batch 64` (publish_batch
# frames of 64, what a batching producer sends), with and without dedup ids, back to back against one `roost serve`, with the broker's CPU time (utime+stime from /proc/PID/stat) around
# each run divided by the confirmed count, and the load tool's own CPU time (user+sys, from /usr/bin/time when
# installed) per million. Usage: Tests/Benchmarks/client-bar2.sh .build/release/roost [ROUNDS] [PORT]
set -u
R=$1; ROUNDS=${2:-3}; PORT=${3:-18080}
DATA=$(mktemp -d)
$R serve --port $PORT --data $DATA --log-level warning > "$DATA.serve.log" 2>&1 &
SPID=$!
trap 'kill $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf $DATA $DATA.serve.log $DATA.time' EXIT
for i in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
S="--server http://127.0.0.1:$PORT"
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$SPID/stat; }
run() {  # label, command...
  local label=$1; shift
  local before=$(cpu)
  local out
  if [ -x /usr/bin/time ]; then out=$(/usr/bin/time -f "%U %S" -o "$DATA.time" "$@" --json $S 2>/dev/null | tail -1)
  else out=$("$@" --json $S 2>/dev/null | tail -1); echo "0 0" > "$DATA.time"; fi
  local after=$(cpu)
  local tool=$(tail -1 "$DATA.time" | awk '{print $1+$2}')
  local confirmed=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["confirmed"])')
  local rate=$(echo "$out" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["msgs_per_s"]))')
  local per=$(python3 -c "print(round(($after-$before)/$TCK/$confirmed*1e6, 2))")
  local toolper=$(python3 -c "print(round($tool/$confirmed*1e6, 2))")
  # The client reports its frames: messages per frame is the batch its publisher achieved.
  local frames=$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["confirmed"]/d["frames"], 1) if d.get("frames") else "")')
  printf "%-30s %9s msgs/s  confirmed %9s  broker CPU %6.2f s  = %6s CPU-s per M  load tool %5s CPU-s per M  %s(load %s)\n" "$label" "$rate" "$confirmed" "$(python3 -c "print(($after-$before)/$TCK)")" "$per" "$toolper" "${frames:+$frames msgs/frame  }" "$(cut -d' ' -f1 /proc/loadavg)"
}
run "warm-up pub" $R bench pub -c 1 -w 1000 -d 2 --no-progress --topic warm
for r in $(seq $ROUNDS); do
  echo "--- round $r $(date -u +%H:%M:%S)"
  run "bench pub -c1 -w1000" $R bench pub -c 1 -w 1000 -d 5 --no-progress --topic p$r
  run "bench client -w1000 (ids)" $R bench client -w 1000 -d 5 --topic c$r
  run "bench pub --dedup" $R bench pub -c 1 -w 1000 -d 5 --no-progress --dedup --topic d$r
  run "bench pub --dedup --batch 64" $R bench pub -c 1 -w 1000 -d 5 --no-progress --dedup --batch 64 --topic db$r
  run "bench client --no-dedup" $R bench client -w 1000 -d 5 --no-dedup --topic n$r
  run "bench pub --batch 64" $R bench pub -c 1 -w 1000 -d 5 --no-progress --batch 64 --topic b$r
done

#!/bin/bash
# Roost's WebSocket server against nats-server (JetStream, core) and mosquitto under the same wsbench load, back to
# back in one run: the bars of issue 4 (Docs/benchmarks.md, "WebSocket server vs NATS").
#
#   Tests/Benchmarks/ws-vs-nats.sh [SECTION...]   sections: pub fanout replay latency conns (default: all)
# Env: ROOST (release binary; default .build/release/roost), REPS (1), DUR (5 s), DIR (work directory, /tmp/ws-vs-nats),
#      OUT ($DIR/results.txt), PORT_OFFSET (added to every port, 0; lets several copies run side by side)
#
# wsbench comes from ../shared/wsbench with this directory's roostb (JSON) and roostbin (binary) plugins
# (build-wsbench.sh). Servers listen on
# 127.0.0.1 only; only processes started here are stopped, by PID. NATS: the config of wsbench's bench/anchors.sh
# (2.9.10, WebSocket listener, JetStream file storage).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOST=${ROOST:-$HERE/../../.build/release/roost}
REPS=${REPS:-1}
DUR=${DUR:-5}
D=${DIR:-/tmp/ws-vs-nats}
PO=${PORT_OFFSET:-0}
OUT=${OUT:-$D/results.txt}
mkdir -p $D
WSB=$("$HERE/build-wsbench.sh" "$HERE/../../../shared/wsbench" $D/wsbench)
NATS_WS=ws://127.0.0.1:$((14080 + PO))/
MQTT_WS=ws://127.0.0.1:$((14083 + PO))/
ROOST_WS=ws://127.0.0.1:$((14090 + PO))/v1/ws
PIDS=()

log() { echo "[$(date -u +%T)] $*" >&2; }

start() {   # start NAME CMD...: runs CMD in the background, records its PID in $D/NAME.pid
    local name=$1; shift
    "$@" > $D/$name.log 2>&1 &
    echo $! > $D/$name.pid
    PIDS+=($!)
    sleep 1
}
stop() {
    local f=$D/$1.pid p
    [ -f "$f" ] || return 0
    p=$(cat "$f"); rm -f "$f"
    kill "$p" 2>/dev/null && for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
}
cleanup() { stop nats; stop mosq; stop roost; }
trap cleanup EXIT

start_nats() {
    rm -rf $D/js; mkdir -p $D/js
    cat > $D/nats.conf <<EOC
server_name: anchor
listen: "127.0.0.1:$((14222 + PO))"
http: "127.0.0.1:$((14822 + PO))"
websocket { host: "127.0.0.1", port: $((14080 + PO)), no_tls: true, compression: false }
jetstream { store_dir: "$D/js", max_memory_store: 1GB, max_file_store: 20GB }
EOC
    start nats nats-server -c $D/nats.conf
}
start_mosq() {
    mkdir -p $D/mosq; chown mosquitto:mosquitto $D/mosq 2>/dev/null
    # The plain MQTT listener is needed: with a websockets listener alone, mosquitto 2.0.11 reports "Unable to
    # start any listening sockets" and exits.
    printf 'per_listener_settings false\nallow_anonymous true\nlistener %d 127.0.0.1\nsocket_domain ipv4\nprotocol websockets\nlistener %d 127.0.0.1\nsocket_domain ipv4\nprotocol mqtt\n' $((14083 + PO)) $((14883 + PO)) > $D/mosquitto.conf
    start mosq mosquitto -c $D/mosquitto.conf
}
start_roost() {   # start_roost FSYNC [ARGS...]: a fresh data directory, fsync policy of new topics, more serve flags
    local fsync=$1; shift
    rm -rf $D/roost-data
    start roost "$ROOST" serve --port $((14090 + PO)) --data $D/roost-data --fsync "$fsync" --log-level warning "$@"
}

# m NAME SERVER -- wsbench args
m() {
    local name=$1 srv=$2 r line; shift 3
    for r in $(seq 1 "$REPS"); do
        log "$name rep $r (load $(cut -d' ' -f1 /proc/loadavg))"
        line=$(timeout 300 "$WSB" "$@" --server-pid "$(cat $D/$srv.pid)" --label "$name" 2>>$D/wsbench.err)
        echo "name=$name rep=$r $line" >> "$OUT"
        echo "name=$name rep=$r $line" | tr ' ' '\n' | grep -E '^(name|pub_msgs_s|recv_msgs_s|replay_msgs_s|lat_p50_us|lat_p99_us|lat_p999_us|srv_bytes_per_conn|srv_cpu_pct|gen_cpu_pct|load1_start|errors)=' | tr '\n' ' ' >&2
        echo >&2
    done
}

sec_pub() {
    local p
    start_nats
    for p in 1 4; do
        m js_w256_p$p nats -- pub -P nats --url $NATS_WS --js --js-create --topic bench.js -p $p -w 256 -d $DUR
    done
    stop nats
    for f in always interval; do
        start_roost $f
        for p in 1 4; do
            for b in 1 16 64; do
                m roost_${f}_w256_p${p}_b$b roost -- pub -P roostb --url $ROOST_WS --topic bench.p$p -p $p -w 256 -b $b -d $DUR
            done
        done
        stop roost
    done
}

sec_fanout() {
    start_nats
    m fanout_nats_s100 nats -- fanout -P nats --url $NATS_WS -s 100 -d $DUR --drain 60
    m fanout_nats_s100_b16 nats -- fanout -P nats --url $NATS_WS -s 100 -b 16 -d $DUR --drain 60
    stop nats
    for f in never always; do
        start_roost $f
        m fanout_roost_${f}_s100_b64 roost -- fanout -P roostb --url $ROOST_WS -s 100 -b 64 -d $DUR --drain 60
        # the same in the binary encoding (roost.v1.binary): fewer bytes per delivery, cheaper to parse
        m fanout_roost_${f}_s100_b64_bin roost -- fanout -P roostbin --url $ROOST_WS --topic bench.bin -s 100 -b 64 -d $DUR --drain 60
        stop roost
    done
}

sec_replay() {
    start_nats
    m replay_js_1m nats -- replay -P nats --url $NATS_WS --js-create --topic bench.js -w 256 -c 1000000
    stop nats
    start_roost always --set max_inflight_limit=65536
    m replay_roost_1m roost -- replay -P roostb --url $ROOST_WS --topic bench.replay -w 256 -b 64 -c 1000000
    # more messages in flight per subscriber (ROOSTB_MAX_INFLIGHT, within the raised max_inflight_limit)
    ROOSTB_MAX_INFLIGHT=65536 m replay_roost_1m_inflight64k roost -- replay -P roostb --url $ROOST_WS --topic bench.replay2 -w 256 -b 64 -c 1000000
    stop roost
}

sec_latency() {
    start_nats
    m lat_nats_r10000 nats -- latency -P nats --url $NATS_WS -r 10000 -d 10 --warmup 1
    stop nats
    for f in always interval; do
        start_roost $f
        m lat_roost_${f}_r10000 roost -- latency -P roostb --url $ROOST_WS -r 10000 -d 10 --warmup 1
        stop roost
    done
}

sec_conns() {
    start_nats
    m conns_nats_5000 nats -- conns -P nats --url $NATS_WS -n 5000 --hold 5
    stop nats
    start_mosq
    m conns_mqtt_5000 mosq -- conns -P mqtt --url $MQTT_WS -n 5000 --hold 5
    stop mosq
    start_roost always
    m conns_roost_5000 roost -- conns -P roost --url $ROOST_WS -n 5000 --hold 5
    stop roost
}

log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(uname -r); roost: $ROOST"
secs=("$@")
[ ${#secs[@]} -eq 0 ] && secs=(pub fanout replay latency conns)
for s in "${secs[@]}"; do log "=== $s"; "sec_$s"; done

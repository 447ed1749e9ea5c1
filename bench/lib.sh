#!/usr/bin/env bash
# Helpers for the bench scripts: start and stop servers, run the generator, take medians.
# Sourced by workloads.sh; every server started here is stopped by stop_servers (also on exit).

JAR=${JAR:-target/activitystreamer.jar}
SECRET=${SECRET:-bench-secret}
SERVER_OPTS=${SERVER_OPTS:--Xms1g -Xmx1g -XX:+UseG1GC}
GEN_OPTS=${GEN_OPTS:--Xms512m -Xmx1g -XX:+UseG1GC}
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)}
SERVER_PIDS=()
SERVER_PORTS=()
STARTS=0

mkdir -p "$OUT"

# The generator options the workload scripts share (workloads.sh, compare.sh, tls.sh); each may be set
# in the environment.
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
REPEAT=${REPEAT:-3}
PAYLOAD=${PAYLOAD:-200}
LOOPS=${LOOPS:-2}
WINDOW=${WINDOW:-256}
ACK=${ACK:-slowest}
COMMON=(--payload "$PAYLOAD" --warmup "$WARMUP" --duration "$DURATION" --loops "$LOOPS" --window "$WINDOW" --ack "$ACK")

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# free_port: a TCP port nobody listens on (explicit ports: a server's mesh name is hostname:port, so
# several servers started with -lp 0 would all be called localhost:0).
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 10000 ))
    (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
  done
}

# start_server NAME [extra server flags...]: starts one server on a free port, waits until it listens.
start_server() {
  local name=$1; shift
  STARTS=$((STARTS + 1))
  # a fresh file per start: the child opens it after we start polling, so an old one could be read
  local logf="$OUT/server-$name-$STARTS.log"
  : >"$logf"
  # shellcheck disable=SC2086
  # memory only unless DATA_DIR is set (then DATA_DIR/NAME, fresh per start; durability: STREAMER_DURABILITY)
  local data=none
  if [ -n "${DATA_DIR:-}" ]; then data="$DATA_DIR/$name-$STARTS"; fi
  java $SERVER_OPTS -jar "$JAR" -lp "$(free_port)" -hp 0 -s "$SECRET" -d "$data" "$@" >>"$logf" 2>"$OUT/server-$name-$STARTS.err" &
  local pid=$!
  local port=""
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening on port [0-9]*' "$logf" 2>/dev/null | awk '{print $4}')
    [ -n "$port" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      log "server $name died: $(tail -3 "$OUT/server-$name-$STARTS.err")"; return 1
    fi
    sleep 0.1
  done
  [ -n "$port" ] || { log "server $name did not start"; kill "$pid"; return 1; }
  SERVER_PIDS+=("$pid"); SERVER_PORTS+=("$port")
  log "server $name pid $pid port $port"
}

# start_mesh N [extra flags...]: N servers, the others joining the first.
start_mesh() {
  local n=$1; shift
  start_server s1 "$@" || return 1
  local first=${SERVER_PORTS[0]}
  for i in $(seq 2 "$n"); do
    start_server "s$i" -rh localhost -rp "$first" "$@" || return 1
  done
}

# wait_listening PID PORT NAME ERRFILE: until something accepts on 127.0.0.1:PORT (30 s), or PID dies.
wait_listening() {
  local pid=$1 port=$2 name=$3 errf=$4
  for _ in $(seq 1 300); do
    (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "$name died: $(tail -3 "$errf")"; return 1; }
    sleep 0.1
  done
  log "$name did not start"; kill "$pid"; return 1
}

# start_redis NAME: redis-server on a free loopback port, no persistence (no RDB snapshots, no AOF).
start_redis() {
  command -v redis-server >/dev/null || { log "no redis-server (apt-get install -y redis-server)"; return 1; }
  local name=$1 port; port=$(free_port)
  STARTS=$((STARTS + 1))
  local logf="$OUT/server-$name-$STARTS.log"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --protected-mode no --daemonize no \
    --dir "$OUT" --logfile '' >"$logf" 2>&1 &
  local pid=$!
  wait_listening "$pid" "$port" "redis $name" "$logf" || return 1
  SERVER_PIDS+=("$pid"); SERVER_PORTS+=("$port")
  log "redis $name ($(redis-server --version | awk '{print $3}')) pid $pid port $port"
}

# start_nats NAME: nats-server on a free loopback port (core NATS, no JetStream: nothing persisted).
start_nats() {
  command -v nats-server >/dev/null || { log "no nats-server (apt-get install -y nats-server)"; return 1; }
  local name=$1 port; port=$(free_port)
  STARTS=$((STARTS + 1))
  local logf="$OUT/server-$name-$STARTS.log"
  nats-server -a 127.0.0.1 -p "$port" >"$logf" 2>&1 &
  local pid=$!
  wait_listening "$pid" "$port" "nats $name" "$logf" || return 1
  SERVER_PIDS+=("$pid"); SERVER_PORTS+=("$port")
  log "nats $name ($(nats-server --version)) pid $pid port $port"
}

# start_ours NAME: our server (SERVER_OPTS), as start_server.
start_ours() { start_server "$@"; }

# workload_args W: the generator options of the single-server workloads A-D (besides COMMON).
workload_args() {
  case $1 in
    A) echo --pubs 1 --subs 50 ;;
    B) echo --pubs 20 --subs 20 ;;
    C) echo --pubs 1 --subs 50 --rate 1000 ;;
    D) echo --pubs 1 --subs 1000 --rate 100 ;;
    *) return 1 ;;
  esac
}

stop_servers() {
  for pid in "${SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${SERVER_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  SERVER_PIDS=(); SERVER_PORTS=()
}
trap stop_servers EXIT

servers_arg() { local IFS=,; local s=(); for p in "${SERVER_PORTS[@]}"; do s+=("127.0.0.1:$p"); done; echo "${s[*]}"; }
pids_arg() { local IFS=,; echo "${SERVER_PIDS[*]}"; }

# bench LABEL [generator options...]: one run; appends its JSON line to $OUT/LABEL.jsonl.
bench() {
  local label=$1; shift
  # shellcheck disable=SC2086
  java $GEN_OPTS -jar "$JAR" bench --servers "$(servers_arg)" --pids "$(pids_arg)" --label "$label" "$@" \
    2>>"$OUT/$label.gen.err" | tee -a "$OUT/$label.txt" | grep '^{"bench"' >>"$OUT/$label.jsonl"
}

# field FILE KEY: the numeric values of KEY, one per JSON line.
field() { grep -o "\"$2\":[-0-9.]*" "$1" | head -1000 | cut -d: -f2; }

# median FILE KEY
median() { field "$1" "$2" | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }

# total FILE KEY: the sum over runs (for lost: any loss in any run shows)
total() { field "$1" "$2" | awk '{s+=$1} END {print s+0}'; }

# summarize LABEL: one markdown row from the medians of the runs of LABEL.
summarize() {
  local f="$OUT/$1.jsonl"
  [ -s "$f" ] || { echo "| $1 | no result | | | | | | | | | |"; return; }
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(wc -l <"$f")" \
    "$(median "$f" publishedPerSec)" "$(median "$f" deliveriesPerSec)" "$(total "$f" lost)" \
    "$(median "$f" p50Ms)" "$(median "$f" p99Ms)" "$(median "$f" p999Ms)" "$(median "$f" cpuPct)" \
    "$(median "$f" generatorCpuPct)" "$(median "$f" otherCpuPct)"
}

table_header() {
  echo "| run | runs | published/s | deliveries/s | lost (all runs) | p50 ms | p99 ms | p99.9 ms | server CPU % | generator CPU % | other CPU % |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
}

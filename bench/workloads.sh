#!/usr/bin/env bash
# Runs the standard workloads of issue 7 and prints a markdown table of medians.
#   bench/workloads.sh [A B C D E E7 F ...]      (default: A B C D E F)
# Build first: mvn -q -B package -DskipTests (or -DbuildDir=... and JAR=.../activitystreamer.jar).
# Environment: JAR, DURATION (s, default 20), WARMUP (s, 3), REPEAT (3), PAYLOAD (200), LOOPS (generator
# event loops, 2), WINDOW (max-rate in-flight window per publisher, 256), F_CONNS (10000), SERVER_OPTS,
# GEN_OPTS, OUT (results directory), ACK (max-rate acknowledgement: slowest (default: the window bounds
# the slowest subscriber's lag, so no queue grows) or echo (the publisher's own echo only)).
# Every server is started here and stopped on exit.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=bench/lib.sh
. bench/lib.sh

F_CONNS=${F_CONNS:-10000}

[ -f "$JAR" ] || { log "no $JAR: build it first (mvn -q -B package -DskipTests)"; exit 2; }

repeat() { for _ in $(seq 1 "$REPEAT"); do bench "$@"; done; }

# shellcheck disable=SC2046
single() { start_server s1 && repeat "$1" $(workload_args "$1") "${COMMON[@]}"; stop_servers; }
workload_A() { single A; }
workload_B() { single B; }
workload_C() { single C; }
workload_D() { single D; }
# E (issue 16): 3 publishers and 60 subscribers, against one server (E-1) and spread over a mesh of
# three (E-3: the generator deals clients round-robin over --servers, publishers first, so each server
# gets 1 publisher and 20 subscribers). The two take turns per repeat, each on fresh servers, so both
# see the same machine. The balancer may redirect clients while the announced loads catch up: wait for
# E_SETTLE ms (5 announce intervals) without a login before publishing; an anonymous client redirected
# inside the measured window loses what is sent meanwhile (by contract: redirectsMeasured in the JSON
# line). E_OPTS=--registered makes sessions survive a redirect (G3). serversCpuPct in the JSON lines is
# the servers' CPU together (from /proc/PID/stat over the measured window).
E_OPTS=${E_OPTS:-}
E_SETTLE=${E_SETTLE:-5000}
E_PUBS=${E_PUBS:-3}
E_SUBS=${E_SUBS:-60}
workload_E() {
  for _ in $(seq 1 "$REPEAT"); do
    start_server s1 && bench E-1 --pubs "$E_PUBS" --subs "$E_SUBS" "${COMMON[@]}"
    stop_servers
    # shellcheck disable=SC2086
    start_mesh 3 -a 1000 && bench E-3 --pubs "$E_PUBS" --subs "$E_SUBS" --settle "$E_SETTLE" $E_OPTS "${COMMON[@]}"
    stop_servers
  done
}
# E7 (issue 7's E): workloads A (1 -> 50) and B (20 -> 20) over a mesh of three.
workload_E7() {
  # shellcheck disable=SC2086
  start_mesh 3 -a 1000 && repeat E-A --pubs 1 --subs 50 --settle 3000 $E_OPTS "${COMMON[@]}" \
    && repeat E-B --pubs 20 --subs 20 --settle 3000 $E_OPTS "${COMMON[@]}"
  stop_servers
}

# F: heap per idle logged-in connection, from the live-object total of GC.class_histogram (a full GC)
# before the connections and while they are held.
live_bytes() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '$1 == "Total" {print $3}'; }
workload_F() {
  start_server s1 || return
  local pid=${SERVER_PIDS[0]}
  for _ in $(seq 1 "$REPEAT"); do
    local before after errf="$OUT/F.gen.err"
    before=$(live_bytes "$pid")
    : >"$errf.run"
    # shellcheck disable=SC2086
    java $GEN_OPTS -jar "$JAR" bench --servers "$(servers_arg)" --pids "$pid" --label F --pubs 0 \
      --subs "$F_CONNS" --warmup 0 --duration 15 --loops "$LOOPS" 2>"$errf.run" | tee -a "$OUT/F.txt" \
      | grep '^{"bench"' >>"$OUT/F.jsonl" &
    local gen=$!
    for _ in $(seq 1 1200); do grep -q 'bench: ready' "$errf.run" && break; kill -0 $gen 2>/dev/null || break; sleep 0.1; done
    after=$(live_bytes "$pid")
    wait $gen
    cat "$errf.run" >>"$errf"
    echo "{\"liveBytesBefore\":$before,\"liveBytesAfter\":$after,\"connections\":$F_CONNS,\"heapBytesPerConnection\":$(( (after - before) / F_CONNS ))}" \
      | tee -a "$OUT/F-heap.jsonl"
  done
  stop_servers
}

WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(A B C D E F)
log "results in $OUT; jar $JAR; ${DURATION}s runs, ${WARMUP}s warm-up, $REPEAT repeats"
for w in "${WORKLOADS[@]}"; do
  log "workload $w"
  "workload_$w"
done

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
  echo "server: $SERVER_OPTS; generator: $GEN_OPTS, $LOOPS event loops; payload $PAYLOAD B; ${DURATION}s + ${WARMUP}s warm-up; median of $REPEAT"
  echo
  table_header
  for w in A B C D E-1 E-3 E-A E-B; do [ -s "$OUT/$w.jsonl" ] && summarize "$w"; done
  for w in E-1 E-3; do
    [ -s "$OUT/$w.jsonl" ] && echo "$w: servers' CPU together (median) $(median "$OUT/$w.jsonl" serversCpuPct) %;" \
      "redirects (all runs) $(total "$OUT/$w.jsonl" redirects), inside the measured window $(total "$OUT/$w.jsonl" redirectsMeasured)"
  done
  if [ -s "$OUT/F-heap.jsonl" ]; then
    echo
    echo "F: heap bytes per idle connection (median): $(median "$OUT/F-heap.jsonl" heapBytesPerConnection);" \
      "server RSS KiB per connection (median): $(median "$OUT/F.jsonl" rssKiBPerConnection)"
  fi
} | tee "$OUT/summary.md"

#!/usr/bin/env bash
# Runs workloads A-D against our server, redis-server and nats-server in one run, with the same
# generator speaking each one's protocol (--target ours|redis|nats), and prints a markdown table with
# the ratios ours/redis and ours/nats.
#   bench/compare.sh [A B C D]           (default: all four)
# Build first: mvn -q -B package -DskipTests. Needs redis-server and nats-server on the PATH (Debian:
# apt-get install -y redis-server nats-server). Every server is started here on a free loopback port
# (Redis without persistence: --save '' --appendonly no; core NATS, no JetStream) and stopped by PID on
# exit. Per workload and repeat the targets take turns (ours, redis, nats), each on a fresh server, so a
# change in the machine's other load touches all three alike.
# Environment: as bench/workloads.sh (JAR, DURATION, WARMUP, REPEAT, PAYLOAD, LOOPS, WINDOW, ACK,
# SERVER_OPTS, GEN_OPTS, OUT), plus TARGETS (default "ours redis nats"). ACK must stay "slowest" for
# NATS at max rate: NATS does not answer a publish, so there is no echo to count.
# Each run leaves its JSON line in $OUT/<workload>-<target>.jsonl and an HTML report next to it
# ($OUT/<workload>-<target>-<n>.html); the table goes to $OUT/compare.md.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=bench/lib.sh
. bench/lib.sh

TARGETS=${TARGETS:-ours redis nats}

[ -f "$JAR" ] || { log "no $JAR: build it first (mvn -q -B package -DskipTests)"; exit 2; }

WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(A B C D)
for w in "${WORKLOADS[@]}"; do
  workload_args "$w" >/dev/null || { log "unknown workload $w (A B C D)"; exit 2; }
done
log "results in $OUT; jar $JAR; ${DURATION}s runs, ${WARMUP}s warm-up, $REPEAT repeats; targets $TARGETS"
for w in "${WORKLOADS[@]}"; do
  for n in $(seq 1 "$REPEAT"); do
    for t in $TARGETS; do
      log "workload $w, run $n, $t"
      if "start_$t" "$w-$t"; then
        # shellcheck disable=SC2046
        bench "$w-$t" --target "$t" $(workload_args "$w") "${COMMON[@]}" --report "$OUT/$w-$t-$n.html"
      fi
      stop_servers
    done
  done
done

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"
  echo "servers: ours ($SERVER_OPTS), $(redis-server --version 2>/dev/null | awk '{print "Redis", $3}'), $(nats-server --version 2>/dev/null)"
  echo "generator: $GEN_OPTS, $LOOPS event loops; payload $PAYLOAD B; window $WINDOW acknowledged by $ACK; ${DURATION}s + ${WARMUP}s warm-up; median of $REPEAT"
  echo
  python3 bench/compare_table.py "$OUT" "${WORKLOADS[@]}"
} | tee "$OUT/compare.md"

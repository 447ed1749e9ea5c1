#!/usr/bin/env bash
# Before/after of a server change in one run: for each round and workload, the jars take turns, each
# on a fresh server, with the generator of the first jar (so only the server differs).
#   JARS="/tmp/before.jar /tmp/after.jar" bench/ab.sh [A B C D]      (default: A C D)
# Environment: as bench/workloads.sh (DURATION, WARMUP, REPEAT = rounds, PAYLOAD, LOOPS, WINDOW, ACK,
# SERVER_OPTS, GEN_OPTS, DATA_DIR, OUT). Rows are labelled <workload>-<n> for the n-th jar of JARS;
# the table (medians over the rounds) goes to $OUT/ab.md.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=bench/lib.sh
. bench/lib.sh

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
REPEAT=${REPEAT:-2}
COMMON=(--payload "${PAYLOAD:-200}" --warmup "$WARMUP" --duration "$DURATION" --loops "${LOOPS:-2}"
  --window "${WINDOW:-256}" --ack "${ACK:-slowest}")
read -r -a JAR_LIST <<<"${JARS:?set JARS to two or more server jars}"
for j in "${JAR_LIST[@]}"; do [ -f "$j" ] || { log "no $j"; exit 2; }; done
GEN_JAR=${JAR_LIST[0]}

WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(A C D)
for w in "${WORKLOADS[@]}"; do
  workload_args "$w" >/dev/null || { log "unknown workload $w (A B C D)"; exit 2; }
done
log "results in $OUT; jars ${JAR_LIST[*]}; ${DURATION}s runs, $REPEAT rounds"
for n in $(seq 1 "$REPEAT"); do
  for w in "${WORKLOADS[@]}"; do
    for i in "${!JAR_LIST[@]}"; do
      label="$w-$((i + 1))"
      log "workload $w, round $n, ${JAR_LIST[$i]}"
      JAR=${JAR_LIST[$i]}
      if start_ours "$label"; then
        JAR=$GEN_JAR
        # shellcheck disable=SC2046
        bench "$label" --target ours $(workload_args "$w") "${COMMON[@]}"
      fi
      stop_servers
    done
  done
done
{
  for i in "${!JAR_LIST[@]}"; do echo "jar $((i + 1)): ${JAR_LIST[$i]}"; done
  echo
  table_header
  for w in "${WORKLOADS[@]}"; do
    for i in "${!JAR_LIST[@]}"; do summarize "$w-$((i + 1))"; done
  done
} | tee "$OUT/ab.md"

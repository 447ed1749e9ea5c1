#!/usr/bin/env bash
# Workload A (1 publisher, 50 subscribers, max rate, payload 200) on one server, its clients on
# plaintext (-lp) and on TLS (tlsPort) in turn, REPEAT times each; prints a markdown table of medians.
#   bench/tls.sh            (build first: mvn -q -B package -DskipTests)
# Environment as bench/workloads.sh: JAR, DURATION (20), WARMUP (3), REPEAT (3), PAYLOAD, LOOPS, WINDOW, ACK.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=bench/lib.sh
. bench/lib.sh

COMMON=(--pubs 1 --subs 50 "${COMMON[@]}")

[ -f "$JAR" ] || { log "no $JAR: build it first (mvn -q -B package -DskipTests)"; exit 2; }
java -jar "$JAR" gen-certs "$OUT/certs" bench >/dev/null || exit 2
tls_port=$(free_port)
STREAMER_TLS_CERT_FILE="$OUT/certs/bench.pem" STREAMER_TLS_KEY_FILE="$OUT/certs/bench.key" \
  STREAMER_TLS_PORT=$tls_port start_server s1 || exit 1
plain_port=${SERVER_PORTS[0]}
for _ in $(seq 1 "$REPEAT"); do
  SERVER_PORTS=("$plain_port"); bench A-plaintext "${COMMON[@]}"
  SERVER_PORTS=("$tls_port"); bench A-tls --tls "$OUT/certs/ca.pem" "${COMMON[@]}"
done
SERVER_PORTS=("$plain_port")
stop_servers
table_header
summarize A-plaintext
summarize A-tls

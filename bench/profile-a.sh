#!/usr/bin/env bash
# Profiles workload A (1 publisher -> 50 subscribers, max rate) with JDK Flight Recorder, in the server
# and in the generator, and prints the hottest methods (top frames and inclusive) of each.
#   bench/profile-a.sh          env: JAR, DURATION (recording seconds, default 20), ACK, OUT
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=bench/lib.sh
. bench/lib.sh
DURATION=${DURATION:-20}
ACK=${ACK:-slowest}
SERVER_OPTS="$SERVER_OPTS -XX:+FlightRecorder"
GEN_OPTS="$GEN_OPTS -XX:+FlightRecorder"

# the profile settings, sampling Java stacks every 1 ms instead of 10 ms
JFC="$OUT/profile-1ms.jfc"
JAVA_BIN=$(readlink -f "$(command -v java)")
sed 's|<setting name="period" control="method-sampling-java-interval">10 ms</setting>|<setting name="period" control="method-sampling-java-interval">1 ms</setting>|' \
  "$(dirname "$JAVA_BIN")/../lib/jfr/profile.jfc" >"$JFC"

start_server s1 || exit 1
pid=${SERVER_PIDS[0]}
# shellcheck disable=SC2086
java $GEN_OPTS -jar "$JAR" bench --servers "$(servers_arg)" --pids "$pid" --label A-profiled --pubs 1 --subs 50 \
  --payload 200 --warmup 5 --duration $((DURATION + 2)) --loops 2 --ack "$ACK" --window "${WINDOW:-256}" >"$OUT/A-profiled.txt" 2>"$OUT/A-profiled.err" &
gen=$!
sleep 6
jcmd "$pid" JFR.start name=a duration="${DURATION}s" settings="$JFC" filename="$OUT/server-A.jfr" >/dev/null
jcmd "$gen" JFR.start name=a duration="${DURATION}s" settings="$JFC" filename="$OUT/generator-A.jfr" >/dev/null
wait $gen
sleep 1
stop_servers
cat "$OUT/A-profiled.txt"

# top FILE: share of execution samples by top frame, and by any frame (inclusive)
top() {
  jfr print --stack-depth 64 --events jdk.ExecutionSample "$1" | awk '
    /sampledThread = / { t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t) }
    /stackTrace = \[/ { depth = 0; n++; thr[t]++; delete seen; next }
    /^[ \t]+[a-zA-Z_$][a-zA-Z0-9_$.]*\(/ {
      m = $1; sub(/\(.*/, "", m)
      if (depth == 0) self[m]++
      if (!(m in seen)) { incl[m]++; seen[m] = 1; if (m ~ /^io\.activitystreamer|eventbus.impl.EventBusImpl.(publish|send)$|SocketDispatcher.write$|NetSocketImpl.write$/) own[t " " m]++ }
      depth++
    }
    END {
      print "samples: " n
      for (x in thr) printf "%6.1f%%  thread %s\n", 100 * thr[x] / n, x
      print "-- self (top frame) --"
      for (m in self) printf "%6.1f%%  %s\n", 100 * self[m] / n, m | "sort -rn | head -25"
      close("sort -rn | head -25")
      print "-- inclusive (on the stack) --"
      for (m in incl) printf "%6.1f%%  %s\n", 100 * incl[m] / n, m | "sort -rn | head -45"
      close("sort -rn | head -45")
      print "-- project methods and socket writes by thread (inclusive) --"
      for (m in own) printf "%6.1f%%  %s\n", 100 * own[m] / n, m | "sort -rn | head -40"
      close("sort -rn | head -40")
    }'
}
echo "== server =="; top "$OUT/server-A.jfr" | tee "$OUT/server-A.top.txt"
echo "== generator =="; top "$OUT/generator-A.jfr" | tee "$OUT/generator-A.top.txt"

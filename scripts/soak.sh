#!/usr/bin/env bash
# Long mode of the seeded fault runs (issue 4): bash scripts/soak.sh [SEEDS] [FIRST_SEED] [TRAFFIC_SECONDS]
# Runs FaultRunTest#soak with SEEDS seeds (default 20) starting at FIRST_SEED (default 1), each with
# TRAFFIC_SECONDS (default 15) of traffic under faults, then prints one line per seed and the totals
# (missing / duplicates / order violations / double names). Builds in its own directory.
# TRUE_PARTITION=1 adds a true partition to every run (s3 down while s1-s2 is cut past failure
# detection); such a run must lose nothing and hold no name twice (order and duplicates are reported).
# FULL_RESTART=1 puts every server on a data directory and adds, to every run, a kill -9 of the whole
# mesh during traffic and its restart from disk (docs/durability.md); every guarantee is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${1:-20}"
FIRST="${2:-1}"
TRAFFIC="${3:-15}"
BUILD="${SOAK_BUILD_DIR:-/tmp/build-soak-$$}"
status=0
mvn -q -B -DbuildDir="$BUILD" -Dtest=FaultRunTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfaults.seeds="$SEEDS" -Dfaults.firstSeed="$FIRST" -Dfaults.trafficSeconds="$TRAFFIC" \
  -Dfaults.truePartition="$([ "${TRUE_PARTITION:-0}" = 1 ] && echo true || echo false)" \
  -Dfaults.fullRestart="$([ "${FULL_RESTART:-0}" = 1 ] && echo true || echo false)" test || status=$?
grep -hE '^(SEED|TOTAL)' "$BUILD"/surefire-reports/*FaultRunTest-output.txt || true
echo "server logs: $BUILD/process-logs"
exit $status

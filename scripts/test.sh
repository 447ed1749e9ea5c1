#!/usr/bin/env bash
# The whole test suite: installs what the browser and TLS tests need (Debian's chromium and
# openssl, when missing and we are root), then runs every test with Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests"
  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "could not install chromium: the browser tests will be skipped"
fi
if ! command -v openssl >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing openssl for the TLS tests (scripts/gen-certs.sh)"
  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; } \
    || echo "could not install openssl: the TLS tests will be skipped"
fi
exec mvn -B verify "$@"

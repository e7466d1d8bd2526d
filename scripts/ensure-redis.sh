#!/usr/bin/env bash
# Makes sure redis-server (and redis-sentinel, redis-cli) are installed: the tests start their own
# servers on free loopback ports, they never use a system service.
set -euo pipefail
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null && command -v redis-sentinel >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[ensure-redis] installing redis-server, redis-sentinel and redis-tools from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  for try in 1 2; do
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server redis-sentinel redis-tools >/dev/null; then
      break
    fi
    [ "$try" = 2 ] && { echo "[ensure-redis] apt-get could not install redis-server" >&2; exit 1; }
    sleep 5
  done
  # The package starts a system service on 6379 where an init system runs; the tests do not need it.
  exit 0
fi
cat >&2 <<'MSG'
redis-server is not installed, and this script cannot install it (not root, or no apt-get).
Install it, then run the tests again:
  Debian/Ubuntu:  sudo apt-get install redis-server redis-sentinel redis-tools
  macOS:          brew install redis
  Fedora:         sudo dnf install redis
MSG
exit 1

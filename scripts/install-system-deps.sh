#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: browsers, PostgreSQL,
# Redis and a Secret Service keyring. Idempotent; installs only what is missing.
# Off Debian or without root it only reports what is missing, and the suites that need
# it fail with a message naming the package.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_cmd chromium || need+=(chromium)
have_cmd firefox-esr || need+=(firefox-esr)
[ -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)/initdb" ] || need+=(postgresql)
have_cmd redis-server || need+=(redis-server)
have_cmd gnome-keyring-daemon || need+=(gnome-keyring)
have_cmd dbus-run-session || need+=(dbus)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && have_cmd apt-get; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
  # The postgresql package starts a cluster of its own; the tests run their own
  # throw-away server, so the packaged one is not needed (and must not hold port 5432).
  if have_cmd pg_ctlcluster; then service postgresql stop >/dev/null 2>&1 || true; fi
  if have_cmd redis-server; then service redis-server stop >/dev/null 2>&1 || true; fi
else
  echo "missing system packages: ${need[*]} (as root on Debian: apt-get install ${need[*]})" >&2
fi

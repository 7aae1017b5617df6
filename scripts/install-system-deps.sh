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
  # With recommends: the browsers' fonts and libraries come with them, as on the
  # machines where the end-to-end suite was shown to pass.
  apt-get install -y -q "${need[@]}"
  # The postgresql and redis-server packages start servers of their own; the tests run
  # throw-away servers on free ports (tests/harness/servers.py), so stop the packaged
  # ones we just installed. `service` may be missing on a minimal machine: fall back to
  # the packages' own tools.
  if [[ " ${need[*]} " == *" postgresql "* ]]; then
    service postgresql stop >/dev/null 2>&1 || {
      have_cmd pg_lsclusters && pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _; do
        pg_ctlcluster "$version" "$cluster" stop >/dev/null 2>&1 || true
      done
    } || true
  fi
  if [[ " ${need[*]} " == *" redis-server "* ]]; then
    service redis-server stop >/dev/null 2>&1 || { have_cmd redis-cli && redis-cli -p 6379 shutdown nosave >/dev/null 2>&1; } || true
  fi
else
  echo "missing system packages: ${need[*]} (as root on Debian: apt-get install ${need[*]})" >&2
fi

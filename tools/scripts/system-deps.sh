#!/usr/bin/env bash
# System packages the tests need, installed from Debian when missing: Chromium (browser end-to-end tests),
# oathtool (an independent TOTP generator), nginx and Caddy (forward-auth behind real reverse proxies; the
# tests run their own nginx and Caddy on loopback, so the packages' services are kept from starting: both would
# otherwise take port 80, and Caddy also its admin port 2019) and PostgreSQL (the PostgreSQL and
# multi-instance tests), when no PostgreSQL server answers.
#
# PostgreSQL: nothing to do when LATCHKEY_TEST_PG_URL or DATABASE_URL is set, or when a server answers on
# 127.0.0.1:${LATCHKEY_TEST_PG_PORT:-5432} (the tests then use it as they find it). Otherwise, in this order:
#   1. the test cluster this script created on an earlier run (in LATCHKEY_TEST_PG_DIR) is started again;
#   2. on the default port, a Debian cluster that was installed but is stopped is started;
#   3. else Debian's postgresql package is installed if missing, and a throw-away test cluster is created in
#      ${LATCHKEY_TEST_PG_DIR:-/var/tmp/latchkey-test-pg-<port>} and started: listening on 127.0.0.1 only,
#      superuser `postgres`, trust authentication (tests connect as postgres://postgres@127.0.0.1:<port>).
# A cluster that is running is never stopped or reconfigured.
set -euo pipefail

pg_port=${LATCHKEY_TEST_PG_PORT:-5432}
pg_dir=${LATCHKEY_TEST_PG_DIR:-/var/tmp/latchkey-test-pg-$pg_port}

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null
  fi
}

# The newest PostgreSQL server binaries: Debian's, else whatever initdb is on the PATH.
pg_bindir() {
  local dir
  dir=$( (ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true) | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

# PostgreSQL refuses to run as root: as root, run its tools as the package's `postgres` user.
pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_needed=false
if [ -z "${LATCHKEY_TEST_PG_URL:-}" ] && [ -z "${DATABASE_URL:-}" ] && ! pg_answers; then
  pg_needed=true
fi

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/caddy ] || command -v caddy >/dev/null 2>&1 || need+=(caddy)
if [ "$pg_needed" = true ] && [ -z "$(pg_bindir)" ]; then need+=(postgresql); fi
pg_installed_now=false
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    if [ "$pg_needed" = true ]; then echo "(or point the tests at a PostgreSQL server with LATCHKEY_TEST_PG_URL)" >&2; fi
    exit 1
  fi
  echo "Installing ${need[*]} from Debian…"
  apt-get update -qq
  # No service starts during the install (nginx and Caddy would otherwise take port 80; PostgreSQL's own cluster stays stopped).
  cleanup_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && cleanup_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$cleanup_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [[ " ${need[*]} " == *" postgresql "* ]]; then pg_installed_now=true; fi
fi

[ "$pg_needed" = true ] || exit 0
bindir=$(pg_bindir)
if [ -z "$bindir" ]; then
  echo "PostgreSQL's server binaries (initdb) were not found after installing postgresql." >&2
  exit 1
fi

# 2. A Debian cluster the machine already had (not the one a fresh install just created: its
#    authentication is not the tests', and it stays stopped).
if [ ! -f "$pg_dir/PG_VERSION" ] && [ "$pg_port" = 5432 ] && [ "$pg_installed_now" = false ] && command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$( (ls /etc/postgresql 2>/dev/null || true) | head -n 1)
  if [ -n "$version" ] && [ -d "/etc/postgresql/$version/main" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    if pg_answers; then exit 0; fi
  fi
fi

# 3. The test cluster: created once, started whenever it is not running.
if [ ! -f "$pg_dir/PG_VERSION" ]; then
  echo "Creating a PostgreSQL test cluster in $pg_dir (127.0.0.1:$pg_port, trust authentication)…"
  mkdir -p "$pg_dir"
  chmod 700 "$pg_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_dir"; fi
  pg_run "$bindir/initdb" -D "$pg_dir" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
  # Throw-away data: no crash safety needed, and room for every suite's pools at once.
  pg_run tee -a "$pg_dir/postgresql.conf" >/dev/null <<EOF

# Latchkey test cluster (tools/scripts/system-deps.sh)
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi
echo "Starting the PostgreSQL test cluster in $pg_dir…"
pg_run "$bindir/pg_ctl" -D "$pg_dir" -l "$pg_dir/server.log" -w -t 60 start >/dev/null || {
  echo "The PostgreSQL test cluster did not start; see $pg_dir/server.log" >&2
  exit 1
}
if ! "$bindir/psql" -X -q -w -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -Atc 'SELECT 1' >/dev/null; then
  echo "The PostgreSQL test cluster started but does not let postgres@127.0.0.1:$pg_port in; see $pg_dir/pg_hba.conf" >&2
  exit 1
fi

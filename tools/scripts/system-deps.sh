#!/usr/bin/env bash
# System packages the tests need, installed from Debian when missing: Chromium (browser end-to-end tests)
# and oathtool (an independent TOTP generator). Starts the local PostgreSQL cluster if one is installed
# but stopped, so the PostgreSQL tests run.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | head -n 1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  fi
fi

#!/usr/bin/env bash
# System packages the tests need, installed from Debian when missing: Chromium (browser end-to-end tests),
# oathtool (an independent TOTP generator), nginx and Caddy (forward-auth behind real reverse proxies; the
# tests run their own nginx and Caddy on loopback, so the packages' services are kept from starting: both would
# otherwise take port 80, and Caddy also its admin port 2019). Starts the local PostgreSQL cluster if one is
# installed but stopped, so the PostgreSQL tests run.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v oathtool >/dev/null 2>&1 || need+=(oathtool)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -x /usr/bin/caddy ] || command -v caddy >/dev/null 2>&1 || need+=(caddy)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian…"
  apt-get update -qq
  # No service starts during the install (nginx and Caddy would otherwise take port 80).
  cleanup_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && cleanup_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$cleanup_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  version=$(ls /etc/postgresql 2>/dev/null | head -n 1)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  fi
fi

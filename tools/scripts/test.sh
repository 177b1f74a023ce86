#!/usr/bin/env bash
# `npm test`: every test of every project — lint (with module boundaries), type checks, the builds, then
# all Jest projects (unit, integration on real SQLite and PostgreSQL, end-to-end in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false TZ=UTC

bash tools/scripts/system-deps.sh
npx nx run-many -t lint typecheck --outputStyle=stream
npx nx run-many -t build -p api admin portal client --outputStyle=stream
npx jest --ci "$@"

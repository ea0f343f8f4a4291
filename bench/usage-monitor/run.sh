#!/usr/bin/env bash
# Builds the monitor and this bench, then prints the figures (see README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
NX_DAEMON=false npx nx build usage-monitor >/dev/null
npx esbuild bench/usage-monitor/main.ts --bundle --platform=node --target=node24 \
  --tsconfig=bench/usage-monitor/tsconfig.json --external:esbuild --outfile=dist/bench/usage-monitor/main.js \
  --log-level=warning
npx node dist/bench/usage-monitor/main.js "$@"

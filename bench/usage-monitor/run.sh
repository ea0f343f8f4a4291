#!/usr/bin/env bash
# Builds the monitor and this bench, then prints the figures (see README.md).
# `run.sh schema [users]`: the CPU the hub client's zod page schema takes per listing.
# `run.sh hub-cost [users] [window s]`: the monitor's cost to a real JupyterHub, and freshness.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == hub-cost ]]; then
  NX_DAEMON=false npx nx build usage-monitor >/dev/null
  npx esbuild bench/usage-monitor/hub-cost.ts --bundle --platform=node --target=node24 \
    --tsconfig=bench/usage-monitor/tsconfig.json --external:esbuild --outfile=dist/bench/usage-monitor/hub-cost.js \
    --log-level=warning
  exec npx node dist/bench/usage-monitor/hub-cost.js "${@:2}"
fi
if [[ "${1:-}" == schema ]]; then
  npx esbuild bench/usage-monitor/schema-cost.ts --bundle --platform=node --target=node24 \
    --tsconfig=bench/usage-monitor/tsconfig.json --outfile=dist/bench/usage-monitor/schema-cost.js \
    --log-level=warning
  exec npx node dist/bench/usage-monitor/schema-cost.js "${@:2}"
fi
NX_DAEMON=false npx nx build usage-monitor >/dev/null
npx esbuild bench/usage-monitor/main.ts --bundle --platform=node --target=node24 \
  --tsconfig=bench/usage-monitor/tsconfig.json --external:esbuild --outfile=dist/bench/usage-monitor/main.js \
  --log-level=warning
npx node dist/bench/usage-monitor/main.js "$@"

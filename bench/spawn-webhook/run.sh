#!/usr/bin/env bash
# Builds the apps and this bench, then prints the figures (see README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
NX_DAEMON=false npx nx run-many -t build -p spawn-webhook user-lookup >/dev/null
# Two levels below the root, like the sources it bundles: the e2e harness and the hook paths
# are resolved from __dirname.
npx esbuild bench/spawn-webhook/main.ts --bundle --platform=node --target=node24 \
  --tsconfig=bench/spawn-webhook/tsconfig.json --external:esbuild --outfile=dist/bench-spawn-webhook/main.js \
  --log-level=warning
npx node dist/bench-spawn-webhook/main.js "$@"

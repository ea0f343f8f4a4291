#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to a local JupyterHub with our services (demo/README.md).
# Runs under whatever Node started npm (the system's may be 20): it installs the workspace's
# packages, which bring Node 24, builds the demo's Python venv and bundles, then hands over to
# the demo itself under Node 24. Needs python3 and openssl; no Go, helm or browser.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
log="$(mktemp "${TMPDIR:-/tmp}/pchub-demo-setup.XXXXXX")"
trap 'rm -f "$log"' EXIT

say() { printf 'demo: %s\n' "$*"; }

# Runs one setup step with its output kept aside: shown only when the step fails.
quietly() {
  local what="$1"
  shift
  say "$what"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    say "failed: $what" >&2
    exit 1
  fi
}

# The two system tools the demo needs beside npm; say so before any long step starts.
for tool in python3 openssl; do
  if ! command -v "$tool" >/dev/null; then
    say "needs $tool (python3 with its venv module, openssl): install it and run again" >&2
    exit 1
  fi
done

# npm writes node_modules/.package-lock.json on every install: older than the lock file means
# the lock file changed since (e.g. a pull), and no Node 24 means nothing was installed yet.
if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json ||
  package-lock.json -nt node_modules/.package-lock.json ]]; then
  quietly "installing the workspace's npm packages (npm ci; the first time takes a while)…" \
    npm ci --no-audit --no-fund
fi
# From here on Node 24 (the workspace's `node` package) runs everything, as under `npx`.
export PATH="$root/node_modules/.bin:$PATH"

quietly "preparing the demo's Python venv (.tools/demo: JupyterHub 5.5, JupyterLab)…" \
  bash scripts/setup-tools.sh demo
quietly "building usage-monitor, spawn-webhook, user-lookup and the demo…" \
  nx run-many -t build -p usage-monitor spawn-webhook user-lookup demo --outputStyle=static

rm -f "$log"
trap - EXIT
# exec: Ctrl-C reaches the demo directly, and it stops everything it started.
exec node dist/demo/main.js

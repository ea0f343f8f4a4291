#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to the deployment as the chart configures it, on loopback
# (@pchub/chart-hub; demo/README.md). Runs under whatever Node started npm (the system's may be
# 20): it installs the workspace's packages, which bring Node 24, the chart hub's tools (helm, the
# hub image's packages, the user servers' and Dask Gateway's venvs) and the bundles, then hands
# over to the demo itself under Node 24. Needs python3, openssl, git, Go, unshare and the released
# charts beside the repository (../shared/charts, or PCHUB_SHARED_DIR); root, or a user namespace
# that may bind port 80 (the chart's proxy-public Service port).
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

# The system tools the demo needs beside npm; say so before any long step starts.
for tool in python3 openssl git go unshare; do
  if ! command -v "$tool" >/dev/null; then
    say "needs $tool (python3 with its venv module, openssl, git, Go to build helm, unshare from" \
      "util-linux): install it and run again" >&2
    exit 1
  fi
done

# The chart hub mounts the hub's files in private mount namespaces and binds the chart's Service
# ports (proxy-public on 80). As root that just works; otherwise the demo runs in a user namespace
# of its own (unshare --user --map-root-user --mount), which can do the mounts but may bind port
# 80 only where the kernel lets unprivileged users (net.ipv4.ip_unprivileged_port_start <= 80).
as_root=()
if [[ "$(id -u)" != 0 ]]; then
  lowest_port="$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)"
  if ! unshare --user --map-root-user --mount true 2>/dev/null || ((lowest_port > 80)); then
    say "needs root (sudo npm run demo): it mounts the hub's files in private mount namespaces" \
      "and binds port 80, the chart's proxy-public port. Without root it runs in a user namespace" \
      "only where user namespaces are allowed and port 80 is open to users" \
      "(sysctl net.ipv4.ip_unprivileged_port_start=80; now $lowest_port)" >&2
    exit 1
  fi
  as_root=(unshare --user --map-root-user --mount)
fi

# npm writes node_modules/.package-lock.json on every install: older than the lock file means
# the lock file changed since (e.g. a pull), and no Node 24 means nothing was installed yet.
if [[ ! -x node_modules/.bin/node || ! -f node_modules/.package-lock.json ||
  package-lock.json -nt node_modules/.package-lock.json ]]; then
  quietly "installing the workspace's npm packages (npm ci; the first time takes a while)…" \
    npm ci --no-audit --no-fund
fi
# From here on Node 24 (the workspace's `node` package) runs everything, as under `npx`.
export PATH="$root/node_modules/.bin:$PATH"

quietly "preparing the chart hub's tools (helm; the hub image's, user servers' and Dask Gateway's venvs)…" \
  bash scripts/setup-tools.sh demo
quietly "building usage-monitor, spawn-webhook, user-lookup and the demo…" \
  nx run-many -t build -p usage-monitor spawn-webhook user-lookup demo --outputStyle=static

rm -f "$log"
trap - EXIT
# exec: Ctrl-C reaches the demo directly, and it stops everything it started.
exec "${as_root[@]}" node dist/demo/main.js

#!/usr/bin/env bash
# Checks the container images (docker/). First without an engine: hadolint on every Dockerfile,
# and docker/checks/check_image.py's rules per app (pinned Node 24, numeric non-root USER,
# exec-form CMD, no secret-like ARG/ENV, a runtime stage that copies only the app's bundle, a
# build context that lets through what the build stage copies). Then on a Docker engine: builds
# the three images as CI does (scripts/build-images.sh) and runs them as the chart runs them,
# behind a real JupyterHub (docker/tests, the `images` project's e2e target).
# As root it starts a private engine (Debian's docker.io; no bridge, no iptables, its data on a
# tmpfs of its own) and always stops and removes it at exit; otherwise it uses the engine
# DOCKER_HOST names. An engine that cannot start fails the stage with one line saying why.
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
apps=(usage-monitor spawn-webhook user-lookup)
tag=check

for dockerfile in docker/*.Dockerfile docker/base-stand-in/Dockerfile; do
  .tools/venv/bin/hadolint "$dockerfile"
  echo "hadolint: $dockerfile ok"
done
for app in "${apps[@]}"; do
  .tools/venv/bin/python docker/checks/check_image.py "docker/$app.Dockerfile" "$app"
done

engine_dir=""
# Stops the private engine (its containers with it) and drops its data: a tmpfs unmount.
stop_engine() {
  [[ -n "$engine_dir" ]] || return 0
  local pid
  pid="$(cat "$engine_dir/dockerd.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
  # Its data tmpfs, and the network namespace it leaves mounted in its exec root.
  awk -v dir="$engine_dir/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r mount; do umount --lazy "$mount"; done
  rm -rf "$engine_dir"
  echo "engine: stopped and removed"
}

# A dockerd of our own: its socket, data and state under one temp folder, nothing shared with
# a system engine, containers only on the host's network (--bridge=none --iptables=false).
start_private_engine() {
  if ! command -v dockerd >/dev/null; then
    echo "engine: cannot start: dockerd is not installed (scripts/setup-tools.sh installs docker.io)"
    return 1
  fi
  engine_dir="$(mktemp -d /tmp/pchub-engine.XXXXXX)"
  mkdir "$engine_dir/data" "$engine_dir/exec"
  # Layers of many small files: on a tmpfs they are written fast and dropped at once.
  mount -t tmpfs -o size=8g,mode=0700 pchub-engine "$engine_dir/data" 2>/dev/null ||
    echo "engine: no tmpfs for its data; using $engine_dir/data on disk"
  export DOCKER_HOST="unix://$engine_dir/docker.sock"
  nice -n 10 dockerd --bridge=none --iptables=false \
    --data-root "$engine_dir/data" --exec-root "$engine_dir/exec" \
    --pidfile "$engine_dir/dockerd.pid" --host "$DOCKER_HOST" >"$engine_dir/dockerd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do
    if docker version >/dev/null 2>&1; then
      echo "engine: private dockerd $(docker version --format '{{.Server.Version}}') at $DOCKER_HOST"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "engine: cannot start: $(grep -E 'level=(fatal|error)' "$engine_dir/dockerd.log" | tail -n 1 ||
    tail -n 1 "$engine_dir/dockerd.log")"
  return 1
}

# Root starts its own engine; anyone else needs one that already answers.
if [[ "$(id -u)" == 0 ]]; then
  trap stop_engine EXIT
  start_private_engine
elif docker version >/dev/null 2>&1; then
  echo "engine: the one at ${DOCKER_HOST:-the default socket}, dockerd $(docker version --format '{{.Server.Version}}')"
else
  echo "engine: cannot start: not root, and no Docker engine answers at ${DOCKER_HOST:-the default socket}"
  exit 1
fi

started=$SECONDS
bash scripts/build-images.sh "$tag"
echo "images built in $((SECONDS - started)) s"
# Node 24 runs the tests: the harness starts the proxy with the Node that runs it.
PCHUB_IMAGE_TAG="$tag" "$root/node_modules/.bin/node" node_modules/jest/bin/jest.js \
  --config docker/jest.config.cjs
echo "image checks passed"

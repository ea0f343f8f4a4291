#!/usr/bin/env bash
# Installs every non-npm tool the test run needs into .tools/ (idempotent:
# a step is skipped when its pinned input has not changed since it last ran).
#   scripts/setup-tools.sh        everything the test run needs (Go tools, venvs, Chromium,
#                                 Prometheus, the Debian -dev packages the hub image's
#                                 requirements and the e2e venvs' pycurl build against)
#   scripts/setup-tools.sh demo   only what `npm run demo` needs: the chart hub's tools (helm,
#                                 the hub image's, user servers' and Dask Gateway's venvs, the
#                                 Debian -dev packages the hub image's pycurl builds against)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
mode="${1:-all}"
if [[ "$mode" != all && "$mode" != demo ]]; then
  echo "usage: scripts/setup-tools.sh [demo]" >&2
  exit 2
fi
mkdir -p "$tools/bin"

# Creates a venv from a requirements file (plus pip options) unless one built from the same
# file and options exists.
make_venv() {
  local dir="$1" requirements="$2"
  shift 2
  local stamp="$dir/.requirements.sha"
  local want
  want="$( (cat "$requirements"; echo "$@") | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" "$@"
  echo "$want" > "$stamp"
}

# Builds a Go tool at a pinned version unless that version is already in .tools/bin.
go_tool() {
  local name="$1" module="$2" version="$3"
  local stamp="$tools/bin/.$name.version"
  if [[ -x "$tools/bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then return 0; fi
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "$module@$version"
  echo "$version" > "$stamp"
}

# Debian's Chromium for the demo's browser test: playwright-core brings no browser of its own.
ensure_chromium() {
  if [[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]] || command -v chromium >/dev/null; then
    return 0
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "setup-tools: Chromium is missing and cannot be installed here (needs root and apt-get):" \
      "install Debian's chromium package, or point CHROMIUM_PATH at a Chromium" >&2
    return 1
  fi
  # The package lists may be stale or absent in a fresh container: update only when needed.
  apt_install chromium || { apt-get update -qq && apt_install chromium; }
}

# Debian's Docker engine and debootstrap for scripts/check-images.sh, which starts a private
# engine as root and builds the stand-in base where node:24.21.0-trixie-slim cannot be pulled.
# Elsewhere (not root, e.g. GitHub's runners) it uses the engine already there, and the real base.
ensure_docker_engine() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if ((${#missing[@]} == 0)) || [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    return 0
  fi
  apt_install "${missing[@]}" || { apt-get update -qq && apt_install "${missing[@]}"; }
}

# Debian's -dev packages the hub image's compiled requirements (and the e2e venvs' pycurl) build
# against, as its own build does: pycurl (libcurl, OpenSSL) and psycopg2 (libpq).
ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "setup-tools: ${missing[*]} missing and cannot be installed here (needs root and apt-get)" >&2
    return 1
  fi
  apt_install "${missing[@]}" || { apt-get update -qq && apt_install "${missing[@]}"; }
}

# Debian's prometheus package (bookworm: 2.42.0) brings prometheus and promtool, for the alert
# rules' unit tests and the e2e run's real Prometheus: minutes less than building them with Go.
# Only the two binaries are taken from the .deb into .tools/bin (apt-get download, dpkg-deb -x),
# so installing starts no service, creates no system user and needs root only to refresh stale
# package lists. The upstream version is pinned; Debian's revision may move with security fixes.
PROMETHEUS_VERSION=2.42.0
ensure_prometheus() {
  local stamp="$tools/bin/.prometheus.version"
  if [[ -x "$tools/bin/prometheus" && -x "$tools/bin/promtool" && -f "$stamp" \
    && "$(cat "$stamp")" == "$PROMETHEUS_VERSION"+* ]]; then return 0; fi
  local version
  version="$(debian_version prometheus "$PROMETHEUS_VERSION")" \
    || { [[ "$(id -u)" == 0 ]] && apt-get update -qq && version="$(debian_version prometheus "$PROMETHEUS_VERSION")"; } \
    || { echo "setup-tools: no prometheus $PROMETHEUS_VERSION in the apt sources (Debian bookworm has it)" >&2; return 1; }
  local work
  work="$(mktemp -d)"
  (cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "prometheus=$version" >/dev/null) \
    && dpkg-deb -x "$work"/prometheus_*.deb "$work/root" \
    && install -m 0755 "$work/root/usr/bin/prometheus" "$work/root/usr/bin/promtool" "$tools/bin/" \
    && echo "$version" > "$stamp"
  local status=$?
  rm -rf "$work"
  return "$status"
}

# The version apt offers of a package whose upstream version is `upstream` (fails when none).
debian_version() {
  local package="$1" upstream="$2"
  apt-cache madison "$package" 2>/dev/null | awk -v want="$upstream" '
    index($3, want) == 1 && substr($3, length(want) + 1, 1) ~ /^[+~-]?$/ { print $3; found = 1; exit }
    END { exit !found }'
}

# A quiet, non-interactive apt install without recommended extras.
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Waits for every background step; fails if any did.
wait_all() {
  local failed=0 job
  for job in $(jobs -p); do wait "$job" || failed=1; done
  return "$failed"
}

# The hub image's pinned Python requirements (z2jh 4.4.0), read beside the repository. Without
# them only the chart's stages (and the demo) can't run, and they fail saying what is missing.
hub_image_requirements="${PCHUB_SHARED_DIR:-$root/../shared}/charts/z2jh-4.4.0-hub-image-requirements.txt"
if [[ ! -f "$hub_image_requirements" ]]; then
  echo "setup-tools: $hub_image_requirements missing (../shared beside the repository, or set PCHUB_SHARED_DIR): no .tools/hub-image" >&2
  [[ "$mode" == demo ]] && exit 1
fi

# What @pchub/chart-hub runs (the demo and the chart's e2e), started in the background: helm, the
# hub image's packages, the user servers' and Dask Gateway's venvs.
start_chart_hub_tools() {
  ensure_debian_packages libcurl4-openssl-dev libssl-dev libpq-dev || return 1
  # pycurl from source against Debian's libcurl, as in the hub image (its wheel bundles a libcurl
  # that trusts another CA path).
  if [[ -f "$hub_image_requirements" ]]; then
    make_venv "$tools/hub-image" "$hub_image_requirements" --no-binary pycurl &
  fi
  make_venv "$tools/user-server" "$root/libs/chart-hub/requirements-user-server.txt" &
  make_venv "$tools/dask-gateway" "$root/libs/chart-hub/requirements-dask-gateway.txt" &
  go_tool helm helm.sh/helm/v3/cmd/helm v3.22.0 &
}

# The demo needs only the chart hub's tools: no browser, Docker or e2e venvs.
if [[ "$mode" == demo ]]; then
  start_chart_hub_tools || exit 1
  wait_all
  exit
fi

ensure_chromium
ensure_docker_engine
start_chart_hub_tools || exit 1
make_venv "$tools/venv" "$root/scripts/requirements-tools.txt" &
make_venv "$tools/hub-5.5" "$root/e2e/requirements-hub-5.5.txt" &
make_venv "$tools/hub-6.1" "$root/e2e/requirements-hub-6.1.txt" &
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12 &
ensure_prometheus &
wait_all

#!/usr/bin/env bash
# Installs every non-npm tool the test run needs into .tools/ (idempotent:
# a step is skipped when its pinned input has not changed since it last ran).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools/bin"

# Creates a venv from a requirements file unless one built from the same file exists.
make_venv() {
  local dir="$1" requirements="$2"
  local stamp="$dir/.requirements.sha"
  local want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
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

make_venv "$tools/venv" "$root/scripts/requirements-tools.txt" &
make_venv "$tools/hub-5.5" "$root/e2e/requirements-hub-5.5.txt" &
make_venv "$tools/hub-6.1" "$root/e2e/requirements-hub-6.1.txt" &
go_tool helm helm.sh/helm/v3/cmd/helm v3.22.0 &
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12 &
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
exit "$failed"

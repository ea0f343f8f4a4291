#!/usr/bin/env bash
# The whole test run (README: `npm ci && npm test`). Every stage runs even when an
# earlier one fails, so one run reports every failure; the exit status is non-zero
# when any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false CI="${CI:-true}"

failed=()
# Runs one named stage, timing it and remembering a failure instead of stopping.
stage() {
  local name="$1"; shift
  local started=$SECONDS
  echo "=== $name"
  if "$@"; then
    echo "=== $name: ok ($((SECONDS - started)) s)"
  else
    echo "=== $name: FAILED ($((SECONDS - started)) s)"
    failed+=("$name")
  fi
}

# Stops the run early: nothing else can run without the tools.
if ! bash scripts/setup-tools.sh; then
  echo "=== setup-tools: FAILED"
  exit 1
fi

# shellcheck disable=SC2016 # expanded by the inner shell, under npm's PATH
stage "node version is 24" bash -c '[[ "$(node --version)" == v24.* ]]'
stage "format" npx prettier --check .
stage "lint, typecheck, unit tests, build" \
  npx nx run-many -t lint typecheck test build --outputStyle=stream --skip-nx-cache
stage "e2e on JupyterHub 5.5" env E2E_HUB_VERSION=5.5 npx nx e2e e2e --outputStyle=stream --skip-nx-cache
stage "e2e on JupyterHub 6.1" env E2E_HUB_VERSION=6.1 npx nx e2e e2e --outputStyle=stream --skip-nx-cache
stage "the chart's hub, Dask Gateway and the smoke test" npx nx e2e e2e-chart --outputStyle=stream --skip-nx-cache
stage "demo in a browser" npx nx e2e demo --outputStyle=stream --skip-nx-cache
for check in chart infra images workflows; do
  stage "check $check" bash "scripts/check-$check.sh"
done

if ((${#failed[@]})); then
  printf 'FAILED stages:\n'; printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "All stages passed."

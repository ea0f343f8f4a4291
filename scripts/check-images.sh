#!/usr/bin/env bash
# Checks the container images (docker/) without a Docker engine: hadolint on every
# Dockerfile, then for each app docker/checks/check_image.py reads its Dockerfile (pinned
# Node 24, numeric non-root USER, exec-form CMD, no secrets, bundle-only runtime stage),
# emulates its build stage on exactly the files it copies, and starts what its runtime stage
# copies from a clean folder: GET /health must answer 200 and SIGTERM must end it with 0.
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
node="$root/node_modules/.bin/node"
# Made-up values only; the checks fail if a *_TOKEN value shows up in an app's output.
hub_env=("JUPYTERHUB_API_URL={hub}/hub/api" JUPYTERHUB_API_TOKEN=check-images-hub-token-3f9a)

for dockerfile in docker/*.Dockerfile; do
  .tools/venv/bin/hadolint "$dockerfile"
  echo "hadolint: $dockerfile ok"
done

check() {
  local app="$1"; shift
  local started=$SECONDS
  .tools/venv/bin/python docker/checks/check_image.py "docker/$app.Dockerfile" "$app" "$node" \
    "${hub_env[@]}" "JUPYTERHUB_SERVICE_PREFIX=/services/$app/" "$@"
  echo "image $app: ok ($((SECONDS - started)) s)"
}

check usage-monitor JUPYTERHUB_ENVIRONMENT=check
check spawn-webhook "USER_LOOKUP_URL={hub}/services/user-lookup/" \
  AZURE_SUBSCRIPTION_ID=00000000-0000-0000-0000-000000000000
check user-lookup PC_ID_TOKEN=check-images-pc-id-token-7c21 "PC_ID_URL={hub}/id"
echo "image checks passed"

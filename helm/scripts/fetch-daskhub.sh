#!/usr/bin/env bash
# Places the daskhub chart the pchub chart depends on at helm/vendor/daskhub (its file://
# repository in helm/pchub/Chart.yaml) and fetches daskhub's own dependencies, jupyterhub
# 4.4.0 and dask-gateway 2026.3.0, from their published repositories. Deploy time only:
# needs git, helm and the internet. Then: helm dependency build helm/pchub.
#
# daskhub with jupyterhub chart 4.4.0 exists only as source (dask/helm-chart main); no
# release of it is published at https://helm.dask.org/ (newest: 2024.1.1, jupyterhub 3.2.1).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

DASKHUB_REPOSITORY="${DASKHUB_REPOSITORY:-https://github.com/dask/helm-chart}"
# "Updates jupyterhub chart to 4.4.0 (#534)", 2026-06-12.
DASKHUB_COMMIT=e25bf5116067684b0ca2f99924b3f0b183c2dcfd
DASKHUB_APP_VERSION=jh4.4.0-dg2026.3.0

# CI places the same daskhub beside the repository instead (DASKHUB_DESTINATION), where
# scripts/stage-chart.sh reads the released charts.
destination="${DASKHUB_DESTINATION:-$root/helm/vendor/daskhub}"
checkout="$(mktemp -d)"
trap 'rm -rf "$checkout"' EXIT

git -C "$checkout" init --quiet
git -C "$checkout" fetch --quiet --depth 1 "$DASKHUB_REPOSITORY" "$DASKHUB_COMMIT"
git -C "$checkout" checkout --quiet FETCH_HEAD

# The pinned commit must still be the combination the values were validated against.
if ! grep -q "^appVersion: \"$DASKHUB_APP_VERSION\"" "$checkout/daskhub/Chart.yaml"; then
  echo "daskhub at $DASKHUB_COMMIT is not $DASKHUB_APP_VERSION" >&2
  exit 1
fi

rm -rf "$destination"
mkdir -p "$(dirname "$destination")"
cp -R "$checkout/daskhub" "$destination"
helm dependency build "$destination"
echo "daskhub $DASKHUB_APP_VERSION ($DASKHUB_COMMIT) ready at $destination"

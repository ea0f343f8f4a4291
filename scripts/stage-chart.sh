#!/usr/bin/env bash
# Stages helm/pchub for rendering without a chart repository: a copy of the chart in DEST/pchub
# with the released daskhub (jupyterhub chart 4.4.0, dask-gateway 2026.3.0, as released, with
# their own charts/) at charts/daskhub, taken from the shared charts beside the repository
# (../shared/charts, or PCHUB_SHARED_DIR/charts). Nothing is copied into the repository.
#   scripts/stage-chart.sh DEST     prints the staged chart's path (DEST/pchub) last
# Fails, naming what is missing, when the shared daskhub is absent or is not the daskhub that
# helm/scripts/fetch-daskhub.sh deploys (DASKHUB_APP_VERSION) at the version Chart.yaml declares.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:?usage: scripts/stage-chart.sh DEST}"
shared="${PCHUB_SHARED_DIR:-$root/../shared}"
daskhub="$shared/charts/daskhub"

# One field of a Chart.yaml, without a YAML parser (the staged charts keep them flat).
chart_field() {
  sed -n "s/^$2: *[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\} *\$/\1/p" "$1" | head -1
}

if [[ ! -f "$daskhub/Chart.yaml" ]]; then
  echo "stage-chart: no released daskhub at $daskhub (../shared/charts beside the repository," \
    "or set PCHUB_SHARED_DIR)" >&2
  exit 1
fi
# Its dependencies as released (directories) or as `helm dependency build` leaves them (archives).
for sub in jupyterhub dask-gateway; do
  if [[ ! -f "$daskhub/charts/$sub/Chart.yaml" ]] && ! compgen -G "$daskhub/charts/$sub-*.tgz" >/dev/null; then
    echo "stage-chart: $daskhub lacks charts/$sub (daskhub as released carries both)" >&2
    exit 1
  fi
done

# The daskhub deployed is the one pinned in helm/scripts/fetch-daskhub.sh; render that one only.
deployed="$(sed -n 's/^DASKHUB_APP_VERSION=//p' "$root/helm/scripts/fetch-daskhub.sh")"
shared_app="$(chart_field "$daskhub/Chart.yaml" appVersion)"
if [[ "$shared_app" != "$deployed" ]]; then
  echo "stage-chart: $daskhub is daskhub $shared_app, the deploy pins $deployed" >&2
  exit 1
fi
declared="$(sed -n '/- name: daskhub/,/version:/s/^ *version: *'"'"'\(.*\)'"'"'$/\1/p' \
  "$root/helm/pchub/Chart.yaml")"
shared_version="$(chart_field "$daskhub/Chart.yaml" version)"
if [[ "$shared_version" != "$declared" ]]; then
  echo "stage-chart: $daskhub is version $shared_version, helm/pchub/Chart.yaml declares $declared" >&2
  exit 1
fi

mkdir -p "$dest"
rm -rf "$dest/pchub"
cp -R "$root/helm/pchub" "$dest/pchub"
mkdir -p "$dest/pchub/charts"
cp -R "$daskhub" "$dest/pchub/charts/daskhub"
echo "staged helm/pchub with the released daskhub $shared_app" >&2
echo "$dest/pchub"

#!/usr/bin/env bash
# postStart of every user server (daskhub.jupyterhub.singleuser.lifecycleHooks in values.yaml),
# carried over from the original hub: the example notebooks synced into the home directory with
# nbgitpuller, which merges upstream changes and keeps the user's own edits, and the JupyterLab
# and QGIS settings its users expect. A step that fails is logged and skipped: the hook always
# exits 0, so it never stops a server from starting (Kubernetes kills a container whose postStart
# fails). (The original's sitecustomize silencing a dask-gateway warning is gone: fixed upstream.)
#
# Reads PCHUB_EXAMPLES_REPOSITORY, PCHUB_EXAMPLES_BRANCH and PCHUB_EXAMPLES_DIRECTORY (the
# server's environment, singleuser.extraEnv) and NB_PYTHON_PREFIX (the image's environment).
set -u
prefix="${NB_PYTHON_PREFIX:-/srv/conda/envs/notebook}"
lab_settings="$HOME/.jupyter/lab/user-settings/@jupyterlab"

log() { echo "post-start: $*"; }

# Writes a settings file unless the user already has one (their choice wins).
default_setting() {
  local path="$1" content="$2"
  [[ -f "$path" ]] && return 0
  mkdir -p "$(dirname "$path")" && printf '%s\n' "$content" > "$path"
}

repository="${PCHUB_EXAMPLES_REPOSITORY:-}"
if [[ -n "$repository" ]]; then
  directory="${PCHUB_EXAMPLES_DIRECTORY:-PlanetaryComputerExamples}"
  log "pulling the examples into ~/$directory"
  gitpuller "$repository" "${PCHUB_EXAMPLES_BRANCH:-main}" "$HOME/$directory" \
    || log "pulling the examples failed; starting without them"
fi

log "JupyterLab: Markdown opens rendered, no news"
default_setting "$lab_settings/docmanager-extension/plugin.jupyterlab-settings" \
  '{"defaultViewers": {"markdown": "Markdown Preview"}}' || log "Markdown setting failed"
default_setting "$lab_settings/apputils-extension/notification.jupyterlab-settings" \
  '{"fetchNews": "false"}' || log "news setting failed"

# https://github.com/jupyterlab/jupyterlab/issues/10840: cells rendered at once, not when idle.
overrides="$prefix/share/jupyter/lab/settings/overrides.json"
{ mkdir -p "$(dirname "$overrides")" && printf '%s%s\n' \
  '{"@jupyterlab/notebook-extension:tracker": {"renderCellOnIdle": false,' \
  ' "numberCellsToRenderDirectly": 10000000000000}}' > "$overrides"; } \
  || log "JupyterLab overrides failed (read-only image?)"

# The QGIS image ships the STAC plugin in the environment; QGIS loads plugins from the profile.
plugins="$HOME/.local/share/QGIS/QGIS3/profiles/default/python/plugins"
if [[ -d "$prefix/share/qgis_stac" ]]; then
  log "QGIS: adding the STAC plugin"
  { mkdir -p "$plugins" && mv -n "$prefix/share/qgis_stac" "$plugins/"; } || log "QGIS plugin failed"
fi
if [[ -x "$prefix/bin/qgis" ]]; then
  log "QGIS: starting with the desktop"
  { mkdir -p "$HOME/.config/autostart" && cat > "$HOME/.config/autostart/qgis.desktop"; } <<DESKTOP \
    || log "QGIS autostart failed"
[Desktop Entry]
Type=Application
Name=qgis
Comment=Startup qgis
Exec=$prefix/bin/qgis
OnlyShowIn=XFCE;
StartupNotify=false
Terminal=false
DESKTOP
fi

# A fresh Azure disk carries an empty lost+found; it only confuses the file browser.
rmdir "$HOME/lost+found" 2>/dev/null || true
exit 0

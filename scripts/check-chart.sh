#!/usr/bin/env bash
# Checks the helm chart (helm/pchub) as operators install it, without a cluster: the chart staged
# with the released daskhub from ../shared/charts (scripts/stage-chart.sh; missing is a failure),
# helm lint and helm template per deployment (staging, prod, options, dashboards-off) with the
# CRDs the charts ship, which runs helm's own values-schema checks (ours and the jupyterhub
# chart's values.schema.json), every rendered object through kubernetes-validate (strict,
# Kubernetes $KUBE_VERSION) and every custom resource against its CRD (the Traefik ones of the
# dask-gateway chart, the add-ons' from ../shared/reference/crds), our policy checks (our
# services, and the hub, proxy and Dask Gateway pods), every Python snippet compiled and the
# hub's extraConfig run against the chart's files, no secret in any values file, yamllint, the
# chart's own guards refusing bad values, the Grafana dashboards (files/dashboards) rendered into
# their ConfigMap, on and off, and the Key Vault SecretProviderClasses
# (helm/checks/check_key_vault_secrets.py), and the Prometheus Operator's objects with the alert
# rules' promtool tests (helm/checks/check_monitoring.py).
# Needs scripts/setup-tools.sh to have run. Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

KUBE_VERSION=1.34.0
helm=.tools/bin/helm
tools_python=.tools/venv/bin/python
hub_python=.tools/hub-5.5/bin/python
chart=helm/pchub
infra_outputs=helm/checks/infra-outputs.example.yaml
# Upstream charts and reference data live beside the repo (../shared), never copied into it.
shared="${PCHUB_SHARED_DIR:-$root/../shared}"
reference="$shared/reference"
[[ -d "$reference/crds" ]] || { echo "missing $reference/crds (../shared beside the repository, or set PCHUB_SHARED_DIR)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The values files of one render, in the order the deploy workflow passes them; "options"
# is staging plus every optional value the deployments leave unset, "dashboards-off" staging
# without the Grafana dashboards.
values_args() {
  local env="$1"
  case "$env" in
    options)
      echo "-f $work/pchub/values-staging.yaml -f $infra_outputs -f helm/checks/options.example.yaml" ;;
    dashboards-off)
      echo "-f $work/pchub/values-staging.yaml -f $infra_outputs --set dashboards.grafana.enabled=false" ;;
    *)
      echo "-f $work/pchub/values-$env.yaml -f $infra_outputs" ;;
  esac
}

# helm lint + helm template (with the CRDs the charts ship) + kubernetes-validate for one render;
# kubernetes-validate's warnings (kinds it has no schema for) go to check_custom_resources.py.
render_and_validate() {
  local env="$1"
  # shellcheck disable=SC2046 # values_args yields separate words on purpose
  "$helm" lint --strict --kube-version "$KUBE_VERSION" --namespace "$env" "$work/pchub" $(values_args "$env")
  # shellcheck disable=SC2046
  "$helm" template pchub "$work/pchub" --namespace "$env" --kube-version "$KUBE_VERSION" \
    --include-crds $(values_args "$env") > "$work/rendered-$env.yaml"
  echo "rendered $env: $(grep -c '^kind:' "$work/rendered-$env.yaml") objects"
  .tools/venv/bin/kubernetes-validate --strict --kubernetes-version "$KUBE_VERSION" --quiet \
    "$work/rendered-$env.yaml" 2>&1 | tee "$work/validate-$env.log"
  echo "kubernetes-validate --strict $KUBE_VERSION: rendered-$env.yaml ok"
}

# The chart's guards (templates/validate.yaml) must refuse values that break the hub wiring.
expect_refused() {
  local why="$1" message="$2"; shift 2
  local output
  # shellcheck disable=SC2046
  if output="$("$helm" template pchub "$work/pchub" --kube-version "$KUBE_VERSION" \
    $(values_args staging) "$@" 2>&1)"; then
    echo "FAIL guard did not refuse: $why"; return 1
  fi
  if ! grep -qF -- "$message" <<<"$output"; then
    echo "FAIL guard refused $why without saying: $message"; echo "$output" | tail -3; return 1
  fi
  echo "ok   guard refuses $why"
}

bash scripts/stage-chart.sh "$work" >/dev/null
for env in staging prod options dashboards-off; do
  render_and_validate "$env"
done

"$tools_python" helm/checks/check_custom_resources.py "$reference/crds" "$work" \
  staging prod options dashboards-off
"$tools_python" helm/checks/check_rendered.py "$chart" "$work"/rendered-*.yaml
"$tools_python" helm/checks/check_values.py "$chart" "$infra_outputs" "$work"
"$hub_python" helm/checks/check_hub_config.py "$chart" "$work"/staging.json "$work"/prod.json
"$tools_python" helm/checks/check_dashboards.py "$chart" helm/checks/options.example.yaml \
  "$work"/rendered-staging.yaml "$work"/rendered-prod.yaml \
  --options "$work"/rendered-options.yaml --off "$work"/rendered-dashboards-off.yaml

# Secrets from Key Vault: staging once more with the hand-made Secrets fallback, then the
# SecretProviderClasses against the CRD, each Secret a pod reads produced once, names as in Bicep.
# shellcheck disable=SC2046
"$helm" template pchub "$work/pchub" --namespace staging --kube-version "$KUBE_VERSION" \
  $(values_args staging) -f "$work/pchub/hand-made-secrets.yaml" > "$work/rendered-hand-made-secrets.yaml"
"$tools_python" helm/checks/check_key_vault_secrets.py "$chart" \
  "$reference/crds/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml" infra "$infra_outputs" \
  docs/operator-guide.md "$work"
expect_refused "Key Vault classes on the hub with hand-made Secrets" \
  'pass hand-made-secrets.yaml' --set keyVault.handMadeSecrets=true
expect_refused "a Key Vault reader without its identity" \
  'keyVault.clientIds.hub is empty' --set keyVault.clientIds.hub=

# The Prometheus Operator's objects (on in the options render; check_custom_resources.py has
# validated them against their CRDs): each ServiceMonitor against the Service, port and
# NetworkPolicy it scrapes through (the hub's from the released jupyterhub chart in the render);
# the alert rules' unit tests, and the rendered rules and the file through promtool.
"$tools_python" helm/checks/check_monitoring.py "$chart" "$work/rendered-options.yaml" \
  "$work/prometheus-rules.yaml" --values "$chart/values-staging.yaml" "$infra_outputs" \
  helm/checks/options.example.yaml --off "$work/rendered-staging.yaml" "$work/rendered-prod.yaml"
.tools/bin/promtool check rules "$work/prometheus-rules.yaml" "$chart/files/alerts/pchub.rules.yaml"
.tools/bin/promtool test rules helm/checks/alerts.test.yaml
expect_refused "ServiceMonitors with Prometheus kept out of a service" \
  'spawnWebhook.networkPolicy.metricsScrapers is empty' --set monitoring.serviceMonitors.enabled=true
expect_refused "ServiceMonitors with Prometheus kept out of the hub" \
  "the hub's NetworkPolicy keeps the metrics scraper" -f helm/checks/options.example.yaml \
  --set 'daskhub.jupyterhub.hub.networkPolicy.ingress=null'
expect_refused "ServiceMonitors presenting a token without read:metrics" \
  'must grant "read:metrics" to service "metrics-scraper"' -f helm/checks/options.example.yaml \
  --set 'daskhub.jupyterhub.hub.loadRoles.metrics-scraper.scopes={read:users}'

expect_refused "a hook token service without custom:spawn-environment:read" \
  'must grant "custom:spawn-environment:read" to service "spawn-hook"' \
  --set 'daskhub.jupyterhub.hub.loadRoles.spawn-hook.scopes={read:users}'
expect_refused "an admin scope for the usage monitor" \
  'must not hold the admin scope "admin:users"' \
  --set 'daskhub.jupyterhub.hub.loadRoles.usage-monitor.scopes={list:users,read:servers,admin:users}'
expect_refused "a usage-monitor url other than its Service" \
  'hub.services.usage-monitor.url must be "http://usage-monitor:8000"' \
  --set 'daskhub.jupyterhub.hub.services.usage-monitor.url=http://elsewhere:8000'
expect_refused "a webhook URL other than the spawn-webhook Service" \
  'SPAWN_WEBHOOK_URL must be' \
  --set 'daskhub.jupyterhub.hub.extraEnv.SPAWN_WEBHOOK_URL=http://spawn-webhook:9000/'
expect_refused "a hook that would set another variable than the webhook answers" \
  'SPAWN_ENV_VAR_NAME (PC_SDK_KEY) must equal spawnWebhook.env.SPAWN_ENV_VAR_NAME' \
  --set 'daskhub.jupyterhub.hub.extraEnv.SPAWN_ENV_VAR_NAME=PC_SDK_KEY'
# A null entry stops the jupyterhub chart's own Secret template before our guard renders.
expect_refused "an unregistered user-lookup service (the jupyterhub chart refuses first)" \
  'jupyterhub.hub.services.get_api_token' \
  --set 'daskhub.jupyterhub.hub.services.user-lookup=null'
expect_refused "a missing custom scope definition" \
  'custom_scopes must define "custom:pc-id-users:read"' \
  --set 'daskhub.jupyterhub.hub.config.JupyterHub.custom_scopes.custom:pc-id-users:read=null'
expect_refused "a spawn webhook without its workload identity" \
  'spawnWebhook.workloadIdentity.clientId is empty' \
  --set 'spawnWebhook.workloadIdentity.clientId='
expect_refused "a hub value the jupyterhub chart does not know (its values.schema.json)" \
  "jupyterhub:" --set 'daskhub.jupyterhub.hub.extraEnvironment.X=1'
expect_refused "a profile list that is not a list (the jupyterhub chart's values.schema.json)" \
  "at '/singleuser/profileList'" --set 'daskhub.jupyterhub.singleuser.profileList=python'
expect_refused "an env var the service does not read (values.schema.json)" \
  'additional properties' \
  --set 'userLookup.env.PC_ID_TOKEN=literal'
expect_refused "a dashboards folder that is a path (values.schema.json)" \
  "at '/dashboards/grafana/folder'" \
  --set 'dashboards.grafana.folder=../grafana'

# Our templates' objects of a render (helm marks each with its source); daskhub's own output
# (trailing spaces and all) is upstream's to lint.
own_objects() {
  awk '/^---$/ { keep = 0; next }
       /^# Source: / { keep = ($3 ~ /^pchub\/templates\//); if (keep) print "---" }
       keep' "$1"
}
for rendered in "$work"/rendered-*.yaml; do
  own_objects "$rendered" > "${rendered%.yaml}.own.yaml"
done
.tools/venv/bin/yamllint --strict -c helm/checks/yamllint.yaml \
  "$chart/Chart.yaml" "$chart"/values*.yaml "$chart"/files/alerts/*.yaml helm/checks/*.yaml \
  "$work"/rendered-*.own.yaml
echo "yamllint: chart metadata, values files, alert rules and our rendered manifests ok"
echo "chart checks passed"

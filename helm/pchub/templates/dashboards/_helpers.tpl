{{- /* Named templates of the dashboards; "pchub." like every template of this chart. */ -}}

{{- /*
The ConfigMap of the Grafana dashboards (files/dashboards). Named after the release, unlike the
services' objects: nothing refers to it by name, and it may live in a namespace Grafana shares.
*/ -}}
{{- define "pchub.dashboards.configMapName" -}}
{{ printf "%s-grafana-dashboards" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

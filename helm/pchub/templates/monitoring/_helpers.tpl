{{- /* Named templates of the Prometheus Operator objects; "pchub." like every template of this chart. */ -}}

{{- /* The PrometheusRule: named after the release, like the dashboards' ConfigMap. */ -}}
{{- define "pchub.monitoring.ruleName" -}}
{{ printf "%s-alerts" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- /*
The scrape targets: the hub's Service (the jupyterhub chart's `hub`, port `hub`, 8081) and each
enabled service of ours (port `http`), by ServiceMonitor name, with the Service's selector labels
and the metrics path.
*/ -}}
{{- define "pchub.monitoring.targets" -}}
{{- $baseUrl := .Values.daskhub.jupyterhub.hub.baseUrl | default "/" | trimSuffix "/" -}}
hub:
  selector:
    {{- include "pchub.hubPodSelector" . | nindent 4 }}
  port: hub
  path: {{ printf "%s/hub/metrics" $baseUrl }}
{{- range $name, $enabled := dict "usage-monitor" .Values.usageMonitor.enabled "spawn-webhook" .Values.spawnWebhook.enabled "user-lookup" .Values.userLookup.enabled }}
{{- if $enabled }}
{{ $name }}:
  selector:
    {{- include "pchub.selectorLabels" (dict "root" $ "name" $name) | nindent 4 }}
  port: http
  path: {{ include "pchub.servicePrefix" $name }}metrics
{{- end }}
{{- end }}
{{- end -}}

{{- /*
Named templates of the pchub chart. Every name starts with "pchub." so they never collide
with daskhub's, jupyterhub's or dask-gateway's templates (all share one namespace at render).

Our objects carry fixed names (usage-monitor, spawn-webhook, user-lookup), as the jupyterhub
chart names its own (hub, proxy-public): the hub's service URLs live in static values, so the
names must be knowable without the release name. One release per namespace, as with z2jh.
*/ -}}

{{- /* Labels on every object of ours: the recommended app.kubernetes.io set. */ -}}
{{- define "pchub.labels" -}}
{{ include "pchub.selectorLabels" . }}
app.kubernetes.io/part-of: pchub
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- /* The subset of labels that selects a component's pods; never changes after install. */ -}}
{{- define "pchub.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- /* Selects the JupyterHub hub pod (labels set by the jupyterhub chart). */ -}}
{{- define "pchub.hubPodSelector" -}}
app: jupyterhub
component: hub
release: {{ .Release.Name }}
{{- end -}}

{{- /* Selects the configurable-http-proxy pod (labels set by the jupyterhub chart). */ -}}
{{- define "pchub.proxyPodSelector" -}}
app: jupyterhub
component: proxy
release: {{ .Release.Name }}
{{- end -}}

{{- /* JUPYTERHUB_SERVICE_PREFIX of a service: the hub routes /services/<name>/ to it. */ -}}
{{- define "pchub.servicePrefix" -}}
/services/{{ . }}/
{{- end -}}

{{- /* In-cluster base URL of a component's Service, as registered with the hub. */ -}}
{{- define "pchub.serviceUrl" -}}
http://{{ .name }}:{{ .root.Values.port }}
{{- end -}}

{{- /* Full image reference; a digest wins over a tag so deploys can pin exact bytes. */ -}}
{{- define "pchub.image" -}}
{{- $image := .component.image -}}
{{- $registry := .root.Values.image.registry -}}
{{- $repository := ternary $image.repository (printf "%s/%s" $registry $image.repository) (empty $registry) -}}
{{- if .root.Values.image.digests -}}
{{- $digest := get .root.Values.image.digests .name -}}
{{- if $digest -}}
{{- printf "%s@%s" $repository $digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- else -}}
{{- printf "%s:%s" $repository (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- /* Env every service needs: where to listen, its prefix, the hub API and its hub token. */ -}}
{{- define "pchub.serviceEnv" -}}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ .root.Values.port | quote }}
- name: SHUTDOWN_DRAIN_SECONDS
  value: {{ .root.Values.shutdown.drainSeconds | quote }}
- name: JUPYTERHUB_SERVICE_PREFIX
  value: {{ include "pchub.servicePrefix" .name | quote }}
- name: JUPYTERHUB_API_URL
  value: {{ .root.Values.hub.apiUrl | quote }}
- name: JUPYTERHUB_API_TOKEN
  valueFrom:
    secretKeyRef:
      # The jupyterhub chart generates a token for every hub.services entry and keeps it
      # in its hub Secret, so no token is ever written into values.
      name: {{ .root.Values.hub.secretName }}
      key: hub.services.{{ .name }}.apiToken
{{- end -}}

{{- /* Telemetry env: Application Insights and OTLP from values (both optional, neither secret). */ -}}
{{- define "pchub.telemetryEnv" -}}
{{- with .root.Values.telemetry }}
{{- if .applicationInsights.connectionString }}
- name: APPLICATIONINSIGHTS_CONNECTION_STRING
  value: {{ .applicationInsights.connectionString | quote }}
{{- end }}
{{- if .otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .otlpEndpoint | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- /* A component's plain settings (values `env`), sorted so renders are stable. */ -}}
{{- define "pchub.plainEnv" -}}
{{- range $name, $value := .component.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- /* Pod-level hardening shared by all our pods. */ -}}
{{- define "pchub.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- /* Container-level hardening: no root, no new privileges, no capabilities, no writes. */ -}}
{{- define "pchub.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- /*
The Deployment of a service. Arguments: root, name, component (its values block),
extraEnv (rendered YAML list, optional), podLabels (map, optional), annotations (map of the
Deployment's own, optional), extraVolumes and extraVolumeMounts (rendered YAML lists, optional).
*/ -}}
{{- define "pchub.deployment" -}}
{{- $component := .component -}}
{{- $ctx := . -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "pchub.labels" $ctx | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  replicas: {{ $component.replicas }}
  revisionHistoryLimit: 5
  {{- if eq (int $component.replicas) 1 }}
  strategy:
    # A single replica holds state (the monitor's open sessions): never run two at once.
    type: Recreate
  {{- else }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "pchub.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "pchub.labels" $ctx | nindent 8 }}
        # Lets the pod through the jupyterhub chart's NetworkPolicy of the hub API.
        hub.jupyter.org/network-access-hub: "true"
        {{- with .podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ .name }}
      # None of our services talks to the Kubernetes API.
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "pchub.podSecurityContext" .root | nindent 8 }}
      {{- with .root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if gt (int $component.replicas) 1 }}
      topologySpreadConstraints:
        # Replicas on different nodes, so one node drain never takes the service away.
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "pchub.selectorLabels" $ctx | nindent 14 }}
      {{- end }}
      # The whole shutdown (docs/operator-guide.md#upgrading): the preStop sleep, the service's
      # drain, then its capped steps (libs/service-runtime/src/shutdown.ts: requests 10 s,
      # clients 2 s, telemetry 5 s) and 3 s to exit; docs/tests/shutdown.spec.ts checks the 20.
      terminationGracePeriodSeconds: {{ add .root.Values.shutdown.preStopSeconds .root.Values.shutdown.drainSeconds 20 }}
      containers:
        - name: {{ .name }}
          image: {{ include "pchub.image" $ctx | quote }}
          imagePullPolicy: {{ .root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .root.Values.port }}
              protocol: TCP
          env:
            {{- include "pchub.serviceEnv" $ctx | nindent 12 }}
            {{- with include "pchub.telemetryEnv" $ctx | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with include "pchub.plainEnv" $ctx | trim }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .extraEnv }}
            {{- . | nindent 12 }}
            {{- end }}
          lifecycle:
            preStop:
              # Serving on while Kubernetes takes the pod out of its Service's endpoints and
              # every node's kube-proxy catches up, so no new caller is refused.
              sleep:
                seconds: {{ .root.Values.shutdown.preStopSeconds }}
          readinessProbe:
            # 503 from the first moment of a shutdown (and while spawn-webhook's API Management
            # service is missing); liveness stays on health, which never fails while it runs.
            httpGet:
              path: {{ include "pchub.servicePrefix" .name }}ready
              port: http
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: {{ include "pchub.servicePrefix" .name }}health
              port: http
            initialDelaySeconds: 10
            periodSeconds: 20
            timeoutSeconds: 2
            failureThreshold: 3
          resources:
            {{- toYaml $component.resources | nindent 12 }}
          securityContext:
            {{- include "pchub.containerSecurityContext" .root | nindent 12 }}
          volumeMounts:
            # The only writable path: Node and the Azure SDK may need a temp dir.
            - name: tmp
              mountPath: /tmp
            {{- with .extraVolumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- end -}}

{{- /* The ClusterIP Service in front of a component. */ -}}
{{- define "pchub.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "pchub.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "pchub.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .root.Values.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{- /* The ServiceAccount of a component; annotations/labels for workload identity. */ -}}
{{- define "pchub.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "pchub.labels" . | nindent 4 }}
    {{- with .labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}

{{- /* A PodDisruptionBudget keeping one replica up through node drains. */ -}}
{{- define "pchub.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "pchub.labels" . | nindent 4 }}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      {{- include "pchub.selectorLabels" . | nindent 6 }}
{{- end -}}

{{- /* Egress every service needs: cluster DNS and the hub API. */ -}}
{{- define "pchub.baseEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- to:
    - podSelector:
        matchLabels:
          {{- include "pchub.hubPodSelector" .root | nindent 10 }}
  ports:
    - port: 8081
      protocol: TCP
{{- end -}}

{{- /* Egress to public HTTPS endpoints (Azure Monitor, Entra ID, ARM, pc-id), never private ranges. */ -}}
{{- define "pchub.publicHttpsEgress" -}}
- to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except:
          - 10.0.0.0/8
          - 172.16.0.0/12
          - 192.168.0.0/16
          - 169.254.0.0/16
  ports:
    - port: 443
      protocol: TCP
{{- end -}}

{{- /* Ingress for named Prometheus scrapers (values networkPolicy.metricsScrapers). */ -}}
{{- define "pchub.scraperIngress" -}}
{{- with .peers }}
# Named Prometheus scrapers; the metrics route itself still needs a read:metrics token.
- from:
    {{- toYaml . | nindent 4 }}
  ports:
    - port: http
      protocol: TCP
{{- end }}
{{- end -}}

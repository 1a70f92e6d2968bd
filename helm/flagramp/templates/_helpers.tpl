{{/* The chart's name, overridable. */}}
{{- define "flagramp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of the release's objects: the release name, with the chart's name unless it already has it. */}}
{{- define "flagramp.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flagramp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flagramp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flagramp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flagramp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: flagramp
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "flagramp.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flagramp.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The leader-election Lease: one per release, in the release namespace. A shard is a release, so each
shard has its own. It is not derived from sharding.shard: a release that becomes a shard keeps its
Lease, so during that rolling update the old, unsharded leader and the new shard's never run at once.
*/}}
{{- define "flagramp.leaseName" -}}
{{- include "flagramp.fullname" . }}
{{- end }}

{{/* repository@digest when a digest is given (it names the image exactly, whatever a tag points at), else repository:tag. */}}
{{- define "flagramp.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The pod's securityContext: the restricted standard's, with podSecurityContext's fields set over it. */}}
{{- define "flagramp.podSecurityContext" -}}
{{- $context := dict "runAsNonRoot" true "seccompProfile" (dict "type" "RuntimeDefault") }}
{{- with .Values.securityContext.runAsUser }}{{ $_ := set $context "runAsUser" . }}{{ end }}
{{- with .Values.securityContext.runAsGroup }}{{ $_ := set $context "runAsGroup" . }}{{ end }}
{{- toYaml (mustMergeOverwrite $context (deepCopy .Values.podSecurityContext)) }}
{{- end }}

{{/* The operator container's securityContext: the restricted standard's, with containerSecurityContext's fields set over it. */}}
{{- define "flagramp.containerSecurityContext" -}}
{{- $context := dict "runAsNonRoot" true "allowPrivilegeEscalation" false "readOnlyRootFilesystem" true
      "capabilities" (dict "drop" (list "ALL")) "seccompProfile" (dict "type" "RuntimeDefault") }}
{{- toYaml (mustMergeOverwrite $context (deepCopy .Values.containerSecurityContext)) }}
{{- end }}

{{/*
The operator container's environment: the chart's settings, then extraEnv. A name in both would be set
twice, the later silently winning (and the API server warning), so it is refused here, naming the value
that sets it.
*/}}
{{- define "flagramp.env" -}}
{{- $chart := include "flagramp.chartEnv" . | fromYamlArray }}
{{- $names := dict }}
{{- range $chart }}{{ $_ := set $names .name true }}{{ end }}
{{- range .Values.extraEnv }}
{{- if hasKey $names .name }}
{{- fail (printf "extraEnv sets %s, which the chart sets from its values (see values.yaml); set it there instead" .name) }}
{{- end }}
{{- end }}
{{- toYaml (concat $chart .Values.extraEnv) }}
{{- end }}

{{/*
What the operator does in a namespace it watches; the README's Security model lists the same. It
reads a Secret only when a ScalingChange names it, so it never lists them, and it never creates,
replaces or deletes a ConfigMap: it patches the declared keys. Restart targets it reads and patches
(the pod template's restartedAt annotation), one by name, never listing them.
*/}}
{{- define "flagramp.operatorRules" -}}
- apiGroups: ["flagramp.io"]
  resources: ["scalingchanges"]
  verbs: ["get", "list", "watch", "update", "patch"]
- apiGroups: ["flagramp.io"]
  resources: ["scalingchanges/status"]
  verbs: ["update", "patch"]
- apiGroups: ["flagramp.io"]
  resources: ["scalingchanges/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets", "daemonsets"]
  verbs: ["get", "patch"]
{{- end }}

{{/* The user name the API server gives the operator: its ServiceAccount's. */}}
{{- define "flagramp.operatorUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "flagramp.serviceAccountName" .) }}
{{- end }}

{{/*
ValidatingAdmissionPolicy is served as admissionregistration.k8s.io/v1 from Kubernetes 1.30 (on by
default); the chart's kubeVersion allows 1.28, so a cluster without it is told which values to turn off.
*/}}
{{- define "flagramp.requireAdmissionPolicies" -}}
{{- if not (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) }}
{{- fail (printf "operatorWritePolicy.enabled and approvals.verifiedApprover install ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1, Kubernetes 1.30 or later); this cluster is %s: set both to false" .Capabilities.KubeVersion.Version) }}
{{- end }}
{{- end }}

{{/* The operator's settings as environment variables, each from its value (or the release). */}}
{{- define "flagramp.chartEnv" -}}
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: FLAGRAMP_INSTANCE
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: FLAGRAMP_LEADER_ELECTION
  value: "true"
- name: FLAGRAMP_LEASE_NAME
  value: {{ include "flagramp.leaseName" . | quote }}
- name: FLAGRAMP_LEASE_NAMESPACE
  value: {{ .Release.Namespace | quote }}
- name: FLAGRAMP_HTTP_PORT
  value: "8080"
- name: FLAGRAMP_NAMESPACES
  value: {{ join "," .Values.watchNamespaces | quote }}
- name: FLAGRAMP_SHARD
  value: {{ .Values.sharding.shard | quote }}
- name: FLAGRAMP_SHARDS
  value: {{ join "," .Values.sharding.shards | quote }}
- name: FLAGRAMP_DEFAULT_SHARD
  value: {{ .Values.sharding.defaultShard | quote }}
- name: FLAGRAMP_SHARD_SELECTOR
  value: {{ .Values.sharding.selector | quote }}
- name: FLAGRAMP_PROMETHEUS_ADDRESS
  value: {{ .Values.prometheus.address | quote }}
- name: FLAGRAMP_PROMETHEUS_ALLOWLIST
  value: {{ join "," .Values.prometheus.allowlist | quote }}
- name: FLAGRAMP_PROMETHEUS_TENANT_LABEL
  value: {{ .Values.prometheus.tenantLabel | quote }}
- name: FLAGRAMP_REQUIRE_CONFIGMAP_OPT_IN
  value: {{ .Values.requireConfigMapOptIn | quote }}
# Set with the approval policy that makes the names in these annotations trustworthy.
- name: FLAGRAMP_VERIFIED_APPROVER
  value: {{ .Values.approvals.verifiedApprover | quote }}
- name: FLAGRAMP_LAST_EDITOR_CANNOT_APPROVE
  value: {{ .Values.approvals.lastEditorCannotApprove | quote }}
- name: FLAGRAMP_LOG_FORMAT
  value: {{ .Values.logFormat | quote }}
{{- with .Values.logLevel }}
- name: FLAGRAMP_LOG_LEVEL
  value: {{ . | quote }}
{{- end }}
- name: FLAGRAMP_RESYNC_INTERVAL
  value: {{ .Values.resyncInterval | quote }}
- name: FLAGRAMP_PENDING_RETRY_INTERVAL
  value: {{ .Values.pendingRetryInterval | quote }}
- name: FLAGRAMP_HISTORY_LIMIT
  value: {{ .Values.historyLimit | quote }}
- name: FLAGRAMP_MAX_CONCURRENT_STEPS
  value: {{ .Values.maxConcurrentSteps | quote }}
- name: FLAGRAMP_WEBHOOK_ALLOWLIST
  value: {{ join "," .Values.webhookAllowlist | quote }}
- name: JAVA_TOOL_OPTIONS
  value: {{ .Values.javaToolOptions | quote }}
{{- end }}

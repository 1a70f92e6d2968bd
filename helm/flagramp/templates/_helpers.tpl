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

{{- define "flagramp.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
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

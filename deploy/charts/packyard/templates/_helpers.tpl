{{- define "packyard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "packyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "packyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "packyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end -}}

{{- define "packyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "packyard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "packyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "packyard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Selector labels of one Deployment: the main one ("" shard) keeps the plain controller component, so its
selector never matches a shard's pods; a shard's pods are component controller-<shard>.
Call with (dict "root" $ "shard" $shard).
*/}}
{{- define "packyard.deploymentSelectorLabels" -}}
app.kubernetes.io/name: {{ include "packyard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ if .shard }}controller-{{ .shard }}{{ else }}controller{{ end }}
{{- end -}}

{{- define "packyard.deploymentName" -}}
{{- if .shard -}}
{{- printf "%s-%s" (include "packyard.fullname" .root) .shard | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- include "packyard.fullname" .root -}}
{{- end -}}
{{- end -}}

{{/* The main Deployment and one per shard: "" stands for the main one. */}}
{{- define "packyard.shards" -}}
{{- toJson (prepend (.Values.sharding.shards | default list) "") -}}
{{- end -}}

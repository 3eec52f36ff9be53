{{- /* Names, labels and images shared by the templates. */ -}}

{{- define "prompt-firewall.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "prompt-firewall.fullname" -}}
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

{{- /* The operator's objects: Deployment, ServiceAccount, (Cluster)Roles, Service, Lease. */ -}}
{{- define "prompt-firewall.operatorName" -}}
{{- printf "%s-operator" (include "prompt-firewall.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "prompt-firewall.leaseName" -}}
{{- include "prompt-firewall.operatorName" . }}
{{- end }}

{{- define "prompt-firewall.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "prompt-firewall.operatorName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "prompt-firewall.selectorLabels" -}}
app.kubernetes.io/name: {{ include "prompt-firewall.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "prompt-firewall.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "prompt-firewall.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: prompt-firewall
{{- end }}

{{- /* Labels of the operator's objects; selectorLabels of its pods add the component. */ -}}
{{- define "prompt-firewall.operatorLabels" -}}
{{ include "prompt-firewall.labels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "prompt-firewall.operatorSelectorLabels" -}}
{{ include "prompt-firewall.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- /* repository[:tag][@digest] of an image block; the tag defaults to the chart's appVersion. */ -}}
{{- define "prompt-firewall.imageRef" -}}
{{- $image := index . 0 }}{{- $chart := index . 1 }}
{{- $ref := printf "%s:%s" $image.repository (default $chart.AppVersion $image.tag) }}
{{- if $image.digest }}{{ $ref = printf "%s@%s" $ref $image.digest }}{{ end }}
{{- $ref }}
{{- end }}

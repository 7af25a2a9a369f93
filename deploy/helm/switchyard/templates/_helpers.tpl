{{/* Names, labels and the env both apps share. */}}

{{- define "switchyard.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "switchyard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchyard
{{- end -}}

{{/* Labels of one component; call with (dict "root" $ "component" "gateway"). */}}
{{- define "switchyard.componentLabels" -}}
{{ include "switchyard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchyard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchyard.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "switchyard.fullname" .) -}}
{{- end -}}

{{- define "switchyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "switchyard.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag; call with (dict "root" $ "image" .Values.gateway.image). */}}
{{- define "switchyard.image" -}}
{{- $repo := .image.repository -}}
{{- with .root.Values.image.registry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Chart.AppVersion | toString) -}}
{{- end -}}

{{/*
A settings map as env: camelCase key -> SCREAMING_SNAKE_CASE variable. Null or empty values are
left out (the app's default applies); whole numbers render without an exponent.
*/}}
{{- define "switchyard.settingsEnv" -}}
{{- range $key, $value := . }}
{{- if not (or (kindIs "invalid" $value) (and (kindIs "string" $value) (eq $value ""))) }}
- name: {{ regexReplaceAll "([a-z0-9])([A-Z])" $key "${1}_${2}" | upper }}
  {{- if or (kindIs "float64" $value) (kindIs "int64" $value) (kindIs "int" $value) }}
  value: {{ $value | int64 | toString | quote }}
  {{- else }}
  value: {{ $value | toString | quote }}
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* One secret variable; call with (dict "root" $ "name" "DATABASE_URL" "key" "databaseUrl" "optional" false). */}}
{{- define "switchyard.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "switchyard.secretName" .root }}
      key: {{ get .root.Values.secrets.keys .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* The env of one app; call with (dict "root" $ "app" "gateway"). */}}
{{- define "switchyard.appEnv" -}}
{{- $values := get .root.Values .app -}}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ $values.port | int64 | toString | quote }}
- name: ADMIN_HOST
  value: {{ .root.Values.admin.host | quote }}
- name: ADMIN_PORT
  value: {{ $values.adminPort | int64 | toString | quote }}
{{ include "switchyard.secretEnv" (dict "root" .root "name" "DATABASE_URL" "key" "databaseUrl") }}
{{ include "switchyard.secretEnv" (dict "root" .root "name" "REDIS_URL" "key" "redisUrl") }}
{{ include "switchyard.secretEnv" (dict "root" .root "name" "ADMIN_API_KEY" "key" "adminApiKey") }}
{{ include "switchyard.secretEnv" (dict "root" .root "name" "SECRET_ENCRYPTION_KEY" "key" "secretEncryptionKey" "optional" true) }}
{{ include "switchyard.secretEnv" (dict "root" .root "name" "SECRET_ENCRYPTION_KEYS" "key" "secretEncryptionKeys" "optional" true) }}
{{- include "switchyard.settingsEnv" (merge (dict) $values.config .root.Values.config) }}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Names and labels */}}
{{- define "beear.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "beear.fullname" -}}
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

{{- define "beear.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "beear.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "beear.selectorLabels" -}}
app.kubernetes.io/name: {{ include "beear.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "beear.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "beear.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "beear.dbSecretName" -}}
{{- default (printf "%s-db" (include "beear.fullname" .)) .Values.database.existingSecret }}
{{- end }}

{{- define "beear.securitySecretName" -}}
{{- default (printf "%s-security" (include "beear.fullname" .)) .Values.security.existingSecret }}
{{- end }}

{{/* An env var from the security Secret. Call with (dict "root" . "name" "ENV" "key" "key-in-secret" "optional" bool) */}}
{{- define "beear.securitySecretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "beear.securitySecretName" .root }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{/* Keys and OIDC settings of the API pods: all from the security Secret, OIDC values set in values as literals. */}}
{{- define "beear.apiSecurityEnv" -}}
{{- $keys := .Values.security.keys }}
{{- include "beear.securitySecretEnv" (dict "root" . "name" "BEEAR_SECURITY_BOOTSTRAP_KEY" "key" $keys.bootstrapKey) }}
{{ include "beear.securitySecretEnv" (dict "root" . "name" "BEEAR_SECURITY_METRICS_KEY" "key" $keys.metricsKey) }}
{{ include "beear.securitySecretEnv" (dict "root" . "name" "BEEAR_SECURITY_SECRETS_KEY" "key" $keys.secretsKey) }}
{{ include "beear.securitySecretEnv" (dict "root" . "name" "BEEAR_ATTESTATION_SIGNING_KEY" "key" $keys.attestationSigningKey) }}
{{- range $setting, $env := dict "issuer" "ISSUER" "jwkSetUri" "JWK_SET_URI" "audience" "AUDIENCE" "tenantClaim" "TENANT_CLAIM" "rolesClaim" "ROLES_CLAIM" }}
{{- $value := get $.Values.security.oidc $setting }}
{{- if $value }}
- name: BEEAR_SECURITY_OIDC_{{ $env }}
  value: {{ $value | quote }}
{{- else }}
{{ include "beear.securitySecretEnv" (dict "root" $ "name" (printf "BEEAR_SECURITY_OIDC_%s" $env) "key" (printf "oidc-%s" ($env | lower | replace "_" "-")) "optional" true) }}
{{- end }}
{{- end }}
{{- end }}

{{- define "beear.dataClaimName" -}}
{{- default (printf "%s-data" (include "beear.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* Image of a role: the role's own repository/tag, else the shared one. Call with (dict "root" . "role" .Values.api) */}}
{{- define "beear.image" -}}
{{- $repo := default .root.Values.image.repository .role.image.repository }}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.image.tag) .role.image.tag }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}

{{/* Environment shared by both roles. */}}
{{- define "beear.commonEnv" -}}
- name: SPRING_DATASOURCE_URL
  value: {{ .Values.database.url | quote }}
- name: SPRING_DATASOURCE_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "beear.dbSecretName" . }}
      key: {{ .Values.database.usernameKey }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "beear.dbSecretName" . }}
      key: {{ .Values.database.passwordKey }}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: optional:file:/etc/beear/
- name: BEEAR_DATA_DIR
  value: {{ .Values.dataDir | quote }}
- name: BEEAR_SOURCES_ALLOWED_ROOTS
  value: {{ prepend .Values.extraAllowedRoots (printf "%s/models" (trimSuffix "/" .Values.dataDir)) | join "," | quote }}
- name: BEEAR_WORKER_DEVICE
  value: {{ .Values.worker.device | default "auto" | quote }}
{{- with .Values.worker.deviceMemory }}
- name: BEEAR_WORKER_DEVICE_MEMORY
  value: {{ . | quote }}
{{- end }}
{{- with .Values.sources.egressAllow }}
- name: BEEAR_SOURCES_EGRESS_ALLOW
  value: {{ join "," . | quote }}
{{- end }}
{{- $s3 := .Values.sources.s3 }}
{{- with $s3.endpoint }}
- name: BEEAR_SOURCES_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: BEEAR_SOURCES_S3_REGION
  value: {{ $s3.region | quote }}
- name: BEEAR_SOURCES_S3_PATH_STYLE
  value: {{ $s3.pathStyle | quote }}
- name: BEEAR_SOURCES_S3_MULTIPART_THRESHOLD
  value: {{ $s3.multipartThreshold | quote }}
- name: BEEAR_SOURCES_S3_PART_SIZE
  value: {{ $s3.partSize | quote }}
{{- with $s3.existingSecret }}
- name: BEEAR_SOURCES_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s3.accessKeyIdKey }}
- name: BEEAR_SOURCES_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s3.secretAccessKeyKey }}
{{- end }}
{{- with .Values.javaOptions }}
- name: JAVA_TOOL_OPTIONS
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "beear.volumes" -}}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "beear.dataClaimName" . }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: config
  configMap:
    name: {{ include "beear.fullname" . }}-config
- name: tmp
  emptyDir: {}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "beear.volumeMounts" -}}
- name: data
  mountPath: {{ .Values.dataDir }}
- name: config
  mountPath: /etc/beear
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Actuator probes: startup gates the others so a slow first start is not killed. */}}
{{- define "beear.probes" -}}
startupProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: {{ .Values.probes.startup.periodSeconds }}
  failureThreshold: {{ .Values.probes.startup.failureThreshold }}
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: http
  periodSeconds: {{ .Values.probes.readiness.periodSeconds }}
  failureThreshold: {{ .Values.probes.readiness.failureThreshold }}
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: http
  periodSeconds: {{ .Values.probes.liveness.periodSeconds }}
  failureThreshold: {{ .Values.probes.liveness.failureThreshold }}
{{- end }}

{{/* host:port of database.url (jdbc:postgresql://host[:port]/db[?params]), port 5432 when it names none. */}}
{{- define "beear.dbHostPort" -}}
{{- $hostPort := regexReplaceAll "/.*$" (trimPrefix "jdbc:postgresql://" .Values.database.url) "" }}
{{- if contains ":" $hostPort }}{{ $hostPort }}{{ else }}{{ printf "%s:5432" $hostPort }}{{ end }}
{{- end }}

{{/* The database name of database.url. */}}
{{- define "beear.dbName" -}}
{{- regexReplaceAll "\\?.*$" (regexReplaceAll "^[^/]*/?" (trimPrefix "jdbc:postgresql://" .Values.database.url) "") "" }}
{{- end }}

{{/* What Grafana's PostgreSQL data source connects to: host:port, then the database. */}}
{{- define "beear.grafanaDbHostPort" -}}
{{- default (include "beear.dbHostPort" .) .Values.monitoring.datasource.host }}
{{- end }}

{{- define "beear.grafanaDbSecretName" -}}
{{- default (printf "%s-grafana-db" (include "beear.fullname" .)) .Values.monitoring.datasource.existingSecret }}
{{- end }}

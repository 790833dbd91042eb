{{/*
Chart name, truncated to 63 characters (DNS label limit).
*/}}
{{- define "gatehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release-chart, unless the release name already contains the chart name.
*/}}
{{- define "gatehouse.fullname" -}}
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

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "gatehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "gatehouse.labels" -}}
helm.sh/chart: {{ include "gatehouse.chart" . }}
{{ include "gatehouse.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: stable for the life of a release (a Deployment's selector is immutable).
*/}}
{{- define "gatehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gatehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount to use.
*/}}
{{- define "gatehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "gatehouse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The Secret holding the app's secrets by default: the operator's existingSecret, or the one this
chart makes.
*/}}
{{- define "gatehouse.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "gatehouse.fullname" . }}
{{- end }}
{{- end }}

{{/*
Where each Secret key in use comes from, as "KEY=secret-name,…": secrets.existing.<concern> when
set (one existing Secret per concern: session, Okta client, Management API, stores), else the
default Secret above.
*/}}
{{- define "gatehouse.secretSources" -}}
{{- $e := .Values.secrets.existing }}
{{- $byKey := dict "SESSION_SECRET" $e.sessionSecret "OKTA_CLIENT_SECRET" $e.oktaClient "OKTA_API_TOKEN" $e.managementApi "OKTA_MANAGEMENT_PRIVATE_KEY" $e.managementApi "DATABASE_URL" $e.stores "DATABASE_READ_URL" $e.stores "REDIS_URL" $e.stores }}
{{- $default := include "gatehouse.secretName" . }}
{{- $out := list }}
{{- range $key := splitList "," (include "gatehouse.secretKeys" .) }}
{{- $out = append $out (printf "%s=%s" $key (default $default (get $byKey $key))) }}
{{- end }}
{{- join "," $out }}
{{- end }}

{{/*
The keys this chart puts in the Secret it makes, comma-separated (empty: it makes none).
*/}}
{{- define "gatehouse.chartSecretKeys" -}}
{{- $fullname := include "gatehouse.fullname" . }}
{{- $keys := list }}
{{- if not .Values.secrets.existingSecret }}
{{- range $pair := splitList "," (include "gatehouse.secretSources" .) }}
{{- if eq (index (splitList "=" $pair) 1) $fullname }}{{ $keys = append $keys (index (splitList "=" $pair) 0) }}{{ end }}
{{- end }}
{{- end }}
{{- join "," $keys }}
{{- end }}

{{/*
The image reference; the tag defaults to the chart's appVersion.
*/}}
{{- define "gatehouse.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The Secret keys the pod needs, comma-separated. Each key is a variable name; the file is passed
to the app as NAME_FILE. Which optional keys are needed follows from the non-secret settings, so
an existingSecret is checked for exactly these keys by the kubelet when the pod starts.
*/}}
{{- define "gatehouse.secretKeys" -}}
{{- $keys := list "OKTA_CLIENT_SECRET" "SESSION_SECRET" }}
{{- if eq .Values.config.okta.management.mode "apiToken" }}{{ $keys = append $keys "OKTA_API_TOKEN" }}{{ end }}
{{- if eq .Values.config.okta.management.mode "privateKeyJwt" }}{{ $keys = append $keys "OKTA_MANAGEMENT_PRIVATE_KEY" }}{{ end }}
{{- if eq .Values.database.type "postgres" }}{{ $keys = append $keys "DATABASE_URL" }}{{ end }}
{{- if and (eq .Values.database.type "postgres") .Values.database.readReplica }}{{ $keys = append $keys "DATABASE_READ_URL" }}{{ end }}
{{- if .Values.redis.enabled }}{{ $keys = append $keys "REDIS_URL" }}{{ end }}
{{- if .Values.config.okta.eventHook }}{{ $keys = append $keys "OKTA_EVENT_HOOK_SECRET" }}{{ end }}
{{- join "," $keys }}
{{- end }}

{{/*
Refuses settings the app would reject at start-up, or that would lose or split data, at install
time with a message naming the value to fix.
*/}}
{{- define "gatehouse.validate" -}}
{{- $c := .Values.config }}
{{- if not $c.appBaseUrl }}
{{- fail "config.appBaseUrl is required: the public https origin users open, e.g. https://gatehouse.example.com" }}
{{- end }}
{{- if not (hasPrefix "https://" $c.appBaseUrl) }}
{{- fail "config.appBaseUrl must start with https:// (the app runs with NODE_ENV=production, which refuses http)" }}
{{- end }}
{{- if and $c.okta.issuer $c.okta.domain }}
{{- fail "config.okta.issuer and config.okta.domain are both set; set only one of them" }}
{{- end }}
{{- if not (or $c.okta.issuer $c.okta.domain) }}
{{- fail "config.okta.issuer (or config.okta.domain) is required, e.g. https://dev-123456.okta.com/oauth2/default; the bundled emulator is for development only" }}
{{- end }}
{{- if not $c.okta.clientId }}
{{- fail "config.okta.clientId is required: the Client ID of your Okta OIDC web app" }}
{{- end }}
{{- if and (eq $c.okta.management.mode "privateKeyJwt") (not $c.okta.management.clientId) }}
{{- fail "config.okta.management.clientId is required with config.okta.management.mode=privateKeyJwt" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (ne .Values.database.type "postgres") }}
{{- fail "replicaCount > 1 needs shared stores: set database.type=postgres (DATABASE_URL in the Secret) and, for sessions, redis.enabled=true. SQLite is a file on one pod's volume: several pods would each keep their own sessions and audit log." }}
{{- end }}
{{- if and .Values.database.readReplica (ne .Values.database.type "postgres") }}{{ fail "database.readReplica needs database.type=postgres: the replica is read instead of the PostgreSQL primary" }}{{ end }}
{{- if and .Values.database.readReplica .Values.redis.enabled }}{{ fail "database.readReplica is for sessions in PostgreSQL, but redis.enabled puts them in Redis: turn one off" }}{{ end }}
{{- $made := splitList "," (include "gatehouse.chartSecretKeys" .) }}
{{- $s := .Values.secrets }}
{{- if and (has "OKTA_CLIENT_SECRET" $made) (not $s.oktaClientSecret) }}{{ fail "secrets.oktaClientSecret is required (or set secrets.existing.oktaClient or secrets.existingSecret)" }}{{ end }}
{{- if and (has "SESSION_SECRET" $made) (lt (len $s.sessionSecret) 32) }}{{ fail "secrets.sessionSecret must be at least 32 characters, e.g. `openssl rand -base64 48` (or set secrets.existing.sessionSecret or secrets.existingSecret)" }}{{ end }}
{{- if and (has "OKTA_API_TOKEN" $made) (not $s.oktaApiToken) }}{{ fail "secrets.oktaApiToken is required with config.okta.management.mode=apiToken (or set secrets.existing.managementApi)" }}{{ end }}
{{- if and (has "OKTA_MANAGEMENT_PRIVATE_KEY" $made) (not $s.oktaManagementPrivateKey) }}{{ fail "secrets.oktaManagementPrivateKey is required with config.okta.management.mode=privateKeyJwt (or set secrets.existing.managementApi)" }}{{ end }}
{{- if and (has "DATABASE_URL" $made) (not $s.databaseUrl) }}{{ fail "secrets.databaseUrl (postgres://…) is required with database.type=postgres (or set secrets.existing.stores)" }}{{ end }}
{{- if and (has "DATABASE_READ_URL" $made) (not $s.databaseReadUrl) }}{{ fail "secrets.databaseReadUrl (postgres://…, this region's replica) is required with database.readReplica=true (or set secrets.existing.stores)" }}{{ end }}
{{- if and (has "REDIS_URL" $made) (not $s.redisUrl) }}{{ fail "secrets.redisUrl (redis:// or rediss://) is required with redis.enabled=true (or set secrets.existing.stores)" }}{{ end }}
{{- if and (has "OKTA_EVENT_HOOK_SECRET" $made) (lt (len $s.oktaEventHookSecret) 24) }}{{ fail "secrets.oktaEventHookSecret must be at least 24 characters with config.okta.eventHook=true, e.g. `openssl rand -base64 48`" }}{{ end }}
{{- if and .Values.autoscaling.enabled (ne .Values.database.type "postgres") }}
{{- fail "autoscaling.enabled needs shared stores: set database.type=postgres (and redis.enabled=true for sessions); SQLite is one pod's file" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- end }}

{{/*
"true" when the release may run more than one pod (replicaCount > 1, or an autoscaler): a
PodDisruptionBudget and the default topology spread apply then.
*/}}
{{- define "gatehouse.multiPod" -}}
{{- if or (gt (int .Values.replicaCount) 1) (and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) 1)) }}true{{ end }}
{{- end }}

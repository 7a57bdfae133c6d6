#!/bin/sh
# One-shot init for the compose stack (service beear-init): writes the stack's keys once, each into the
# volume of the only services that need it, and never overwrites an existing file (so restarts and
# `docker compose up` after an upgrade keep the keys the database already knows).
#
#   API_DIR         keys for the API, read as Spring properties (configtree: file name = property name):
#                   beear.security.bootstrap-key (admin API key), beear.security.metrics-key,
#                   beear.security.secrets-key
#   WORKER_DIR      beear.security.secrets-key only (the same one: workers decrypt what the API encrypted), and
#                   beear.sources.hub.token when $BEEAR_SOURCES_HUB_TOKEN is set (rewritten on every start, so a
#                   new token replaces the old; removed when unset)
#   PROMETHEUS_DIR  metrics-key: the key Prometheus scrapes /actuator/prometheus with
#   GRAFANA_DIR     admin-password: Grafana's admin password, $GRAFANA_ADMIN_PASSWORD if set, else random;
#                   db-password: the password of beear_grafana, the read-only database role of Grafana's
#                   PostgreSQL data source (random)
#   POSTGRES_INIT_DIR  grafana-db-password: the same, for postgres-init, which gives the role its login
#
# POSIX sh and coreutils only: it runs in the postgres image, which the stack pulls anyway. Run as root it
# hands each file to its reader's UID (beear 10001, Prometheus nobody 65534, Grafana 472, postgres-init 999),
# mode 0400.
set -eu

API_DIR="${API_DIR:-/secrets/api}"
WORKER_DIR="${WORKER_DIR:-/secrets/worker}"
PROMETHEUS_DIR="${PROMETHEUS_DIR:-/secrets/prometheus}"
GRAFANA_DIR="${GRAFANA_DIR:-/secrets/grafana}"
POSTGRES_INIT_DIR="${POSTGRES_INIT_DIR:-/secrets/postgres-init}"
BEEAR_UID="${BEEAR_UID:-10001}"
PROMETHEUS_UID="${PROMETHEUS_UID:-65534}"
GRAFANA_UID="${GRAFANA_UID:-472}"
POSTGRES_INIT_UID="${POSTGRES_INIT_UID:-999}"
umask 077

# An API key as beear issues them: "bk_" and 40 characters from [A-Za-z0-9] (~238 bits).
api_key() {
  printf 'bk_%s' "$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c 1-40)"
}

# 32 random bytes, base64 (beear.security.secrets-key: AES-256).
secrets_key() {
  head -c 32 /dev/urandom | base64 | tr -d '\n'
}

password() {
  head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c 1-24
}

# write FILE VALUE OWNER: writes VALUE (no newline) to FILE unless FILE exists; returns the file's value.
write_once() {
  if [ ! -s "$1" ]; then
    printf '%s' "$2" > "$1.tmp"
    mv "$1.tmp" "$1"
    echo "beear-init: wrote $1" >&2
  fi
  if [ "$(id -u)" = 0 ]; then
    chown "$3:$3" "$1"
  fi
  chmod 0400 "$1"
  cat "$1"
}

own_dir() {
  mkdir -p "$1"
  if [ "$(id -u)" = 0 ]; then
    chown "$2:$2" "$1"
  fi
  chmod 0500 "$1"
}

for dir in "$API_DIR" "$WORKER_DIR" "$PROMETHEUS_DIR" "$GRAFANA_DIR" "$POSTGRES_INIT_DIR"; do
  mkdir -p "$dir"
  chmod 0700 "$dir"
done

# The API's files are the source of truth; the worker and Prometheus get copies of what they need.
secrets=$(write_once "$API_DIR/beear.security.secrets-key" "$(secrets_key)" "$BEEAR_UID")
metrics=$(write_once "$API_DIR/beear.security.metrics-key" "$(api_key)" "$BEEAR_UID")
write_once "$API_DIR/beear.security.bootstrap-key" "$(api_key)" "$BEEAR_UID" > /dev/null
write_once "$WORKER_DIR/beear.security.secrets-key" "$secrets" "$BEEAR_UID" > /dev/null
write_once "$PROMETHEUS_DIR/metrics-key" "$metrics" "$PROMETHEUS_UID" > /dev/null
write_once "$GRAFANA_DIR/admin-password" "${GRAFANA_ADMIN_PASSWORD:-$(password)}" "$GRAFANA_UID" > /dev/null
# Grafana's copy is the source of truth; postgres-init sets the role's password from its own copy.
grafana_db=$(write_once "$GRAFANA_DIR/db-password" "$(password)" "$GRAFANA_UID")
write_once "$POSTGRES_INIT_DIR/grafana-db-password" "$grafana_db" "$POSTGRES_INIT_UID" > /dev/null

# The operator's hub token, unlike the generated keys, follows the environment on every start.
hub_token="$WORKER_DIR/beear.sources.hub.token"
if [ -n "${BEEAR_SOURCES_HUB_TOKEN:-}" ]; then
  printf '%s' "$BEEAR_SOURCES_HUB_TOKEN" > "$hub_token.tmp"
  if [ "$(id -u)" = 0 ]; then
    chown "$BEEAR_UID:$BEEAR_UID" "$hub_token.tmp"
  fi
  chmod 0400 "$hub_token.tmp"
  mv -f "$hub_token.tmp" "$hub_token"
  echo "beear-init: wrote $hub_token" >&2
else
  rm -f "$hub_token"
fi

own_dir "$API_DIR" "$BEEAR_UID"
own_dir "$WORKER_DIR" "$BEEAR_UID"
own_dir "$PROMETHEUS_DIR" "$PROMETHEUS_UID"
own_dir "$GRAFANA_DIR" "$GRAFANA_UID"
own_dir "$POSTGRES_INIT_DIR" "$POSTGRES_INIT_UID"
echo "beear-init: keys ready (admin key: docker compose exec beear-api cat /run/secrets/beear/beear.security.bootstrap-key)" >&2

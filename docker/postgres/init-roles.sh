#!/bin/sh
# Gives the read-only role that Grafana's PostgreSQL data source connects as (beear_grafana) its login and
# password, and makes sure it can read jobs and job_epochs and nothing else. Idempotent: compose runs it on every
# `docker compose up` (service postgres-init, after PostgreSQL is healthy), which also brings databases created
# before the role up to date and applies a changed password. The Helm chart runs the same script in its role Job
# (helm/beear/files/init-roles.sh is a copy; a test keeps them identical).
#
#   PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD  libpq's: a user allowed to create roles (compose: the
#                                                   database's owner) and to grant on the service's tables
#   GRAFANA_DB_PASSWORD_FILE  the role's password (compose: written by beear-init, Grafana reads its own copy)
#
# The grants also come from the service's migration V8__grafana_read_only_role.sql; granting here as well, once
# the tables exist, makes the order of the two irrelevant. Needs psql 15+ (\getenv), as in the postgres:15 image.
set -eu

GRAFANA_DB_PASSWORD_FILE="${GRAFANA_DB_PASSWORD_FILE:-/run/secrets/postgres-init/grafana-db-password}"
GRAFANA_DB_PASSWORD="$(cat "$GRAFANA_DB_PASSWORD_FILE")"
if [ -z "$GRAFANA_DB_PASSWORD" ]; then
  echo "init-roles: $GRAFANA_DB_PASSWORD_FILE is empty" >&2
  exit 1
fi
export GRAFANA_DB_PASSWORD

# The password travels in the environment, not on a command line that `ps` would show.
psql -v ON_ERROR_STOP=1 -q <<'SQL'
\getenv password GRAFANA_DB_PASSWORD
SELECT 'CREATE ROLE beear_grafana' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'beear_grafana')
\gexec
-- LOGIN and the password only: created without them, the role has no other attribute (a superuser would be
-- needed to change those), and the script keeps working for a user that may create roles but is no superuser.
ALTER ROLE beear_grafana LOGIN PASSWORD :'password';
-- Read-only sessions by default and a time limit: Grafana's queries must never load the service's database.
ALTER ROLE beear_grafana SET default_transaction_read_only = on;
ALTER ROLE beear_grafana SET statement_timeout = '30s';
SELECT 'GRANT SELECT ON jobs, job_epochs TO beear_grafana'
 WHERE to_regclass('jobs') IS NOT NULL AND to_regclass('job_epochs') IS NOT NULL
\gexec
SQL
echo "init-roles: beear_grafana can log in (read-only: jobs, job_epochs)" >&2

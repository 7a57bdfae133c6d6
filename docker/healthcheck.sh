#!/usr/bin/env bash
# Container health check: healthy only when the service's readiness probe answers 200 (Spring answers 503
# while starting, draining or when the database is unreachable). Needs nothing but bash and coreutils, because
# the JRE base image ships neither curl nor wget reliably.
set -uo pipefail

port="${SERVER_PORT:-8080}"
path="${BEEAR_HEALTHCHECK_PATH:-/actuator/health/readiness}"

exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "${path}" >&3
status_line="$(timeout 4 head -n 1 <&3)" || exit 1
exec 3<&-

case "${status_line}" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "readiness: ${status_line:-no answer}" >&2; exit 1 ;;
esac

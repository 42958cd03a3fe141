#!/bin/bash
# First start: a cluster with POSTGRES_USER (password POSTGRES_PASSWORD, scram-sha-256 over TCP) owning
# POSTGRES_DB, as the official image makes it. Then the command (`postgres ARGS...`) in the foreground.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  pw=$(mktemp); trap 'rm -f "$pw"' EXIT
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pw"
  # A throwaway test cluster: not waiting for fsync makes its first start seconds shorter on a busy disk.
  initdb --no-sync -D "$PGDATA" -U "$user" --pwfile="$pw" --auth-host=scram-sha-256 --auth-local=trust >/dev/null
  rm -f "$pw"
  printf "listen_addresses = '*'\nunix_socket_directories = '/tmp'\n" >>"$PGDATA/postgresql.conf"
  echo 'host all all all scram-sha-256' >>"$PGDATA/pg_hba.conf"
  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$user\"" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec "$@"

#!/usr/bin/env bash
# `make bench`: the benchmarks on PostgreSQL and Redis, in databases of their own
# (created and migrated here); each benchmark leaves them as it found them.
set -euo pipefail
export TSADMIN_ENV=test
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tsadmin_bench}
export TELESERVICES_DATABASE_URL=${BENCH_TELESERVICES_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tsadmin_bench_ts}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/0}
for url in "$DATABASE_URL" "$TELESERVICES_DATABASE_URL"; do
  name=${url##*/}
  base=${url%/*}
  if ! psql "$base/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
    psql "$base/postgres" -qc "CREATE DATABASE \"$name\""
  fi
done
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py migrate --noinput -v0 --database teleservices
exec .venv/bin/python bench/run.py "$@"

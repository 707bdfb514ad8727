#!/usr/bin/env bash
# `make run`: a demo login, a Celery worker and beat beside the web server, on the embedded
# default (two SQLite files under var/, a file-system broker: no server needed).
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
PY=.venv/bin/python
mkdir -p var/log
$PY manage.py create_school_user chef.demo --first-school | sed 's/^/  /'
$PY -m celery -A tsadmin worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/log/celery.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo
echo "TS Admin : http://$host:$port/  (identifiant et mot de passe ci-dessus)"
echo "Worker Celery : journal dans var/log/celery.log ; e-mails écrits dans var/mail/"
$PY manage.py runserver "$host:$port" --noreload

#!/usr/bin/env bash
# `make run`: a demo login, a Celery worker and beat beside the web server, on the embedded
# default (two SQLite files under var/, a file-system broker: no server needed).
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
PY=.venv/bin/python
mkdir -p var/log
$PY manage.py create_school_user chef.demo --first-school | sed 's/^/  /'
setsid $PY -m celery -A tsadmin worker --beat --loglevel=INFO --concurrency=2 \
  --schedule=var/celerybeat-schedule >var/log/celery.log 2>&1 &
worker=$!
stop_worker() {
  # The worker runs in its own process group (with its embedded beat): stop the whole group.
  kill -TERM -- "-$worker" 2>/dev/null || return 0
  for _ in 1 2 3 4 5; do kill -0 -- "-$worker" 2>/dev/null || return 0; sleep 1; done
  kill -KILL -- "-$worker" 2>/dev/null || true
}
trap stop_worker EXIT
trap 'exit 130' INT TERM
echo
echo "TS Admin : http://$host:$port/  (identifiant et mot de passe ci-dessus)"
echo "Worker Celery : journal dans var/log/celery.log ; e-mails écrits dans var/mail/"
$PY manage.py runserver "$host:$port" --noreload

#!/usr/bin/env bash
# `make run`: the demo school head, a Celery worker (with beat), the admin's web server and the
# families' portal (tsadmin.settings_portal, its own port), on the embedded default (two SQLite
# files under var/, a file-system broker: no server needed).
# The server runs with DEBUG off, as users see it: French error pages; --insecure lets
# runserver serve the static files anyway. Ends with one block: address, login, password.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
portal_port=${3:-${PORTAL_PORT:-8001}}
PY=.venv/bin/python
mkdir -p var/log
login=$($PY manage.py demo_user chef.demo --portal-url "http://$host:$portal_port/")

# One worker for both queues: the default one and the letters' (production gives each its pool).
setsid $PY -m celery -A tsadmin worker --beat --loglevel=INFO --concurrency=2 -Q celery,letters \
  --schedule=var/celerybeat-schedule >var/log/celery.log 2>&1 &
worker=$!
# The server's banner goes to its log; requests and errors stay on the terminal (stderr).
DEBUG=${DEBUG:-false} PYTHONUNBUFFERED=1 $PY manage.py runserver "$host:$port" --noreload --insecure \
  >var/log/web.log &
web=$!
# The families' portal: its own settings (only the téléservices base), its own port.
DJANGO_SETTINGS_MODULE=tsadmin.settings_portal PORTAL_BASE_URL="http://$host:$portal_port" \
  DEBUG=${DEBUG:-false} PYTHONUNBUFFERED=1 $PY manage.py runserver "$host:$portal_port" --noreload --insecure \
  >var/log/portal.log &
portal=$!
stop_all() {
  kill -TERM "$web" 2>/dev/null || true
  kill -TERM "$portal" 2>/dev/null || true
  # The worker runs in its own process group (with its embedded beat): stop the whole group.
  kill -TERM -- "-$worker" 2>/dev/null || return 0
  for _ in 1 2 3 4 5; do kill -0 -- "-$worker" 2>/dev/null || return 0; sleep 1; done
  kill -KILL -- "-$worker" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Wait until the server accepts connections (or has died: its error is already on the terminal).
probe=$host
[ "$probe" = "0.0.0.0" ] && probe=127.0.0.1
for _ in $(seq 1 60); do
  kill -0 "$web" 2>/dev/null || { echo "Le serveur web s'est arrêté (voir var/log/web.log)." >&2; exit 1; }
  (exec 3<>"/dev/tcp/$probe/$port") 2>/dev/null && break
  sleep 0.5
done
for _ in $(seq 1 60); do
  kill -0 "$portal" 2>/dev/null || { echo "Le portail des familles s'est arrêté (voir var/log/portal.log)." >&2; exit 1; }
  (exec 3<>"/dev/tcp/$probe/$portal_port") 2>/dev/null && break
  sleep 0.5
done

line="────────────────────────────────────────────────────────────────────────"
echo
echo "┌$line"
echo "│ TS Admin est prêt : http://$host:$port/"
echo "│ Portail des familles (Scolarité services) : http://$host:$portal_port/"
echo "│   création de compte avec un code d'activation : http://$host:$portal_port/activation/"
while IFS= read -r text; do echo "│ $text"; done <<<"$login"
echo "│ Worker Celery : var/log/celery.log ; portail : var/log/portal.log ; e-mails envoyés : var/mail/"
echo "│ Arrêt : Ctrl+C"
echo "└$line"
wait "$web"

#!/usr/bin/env bash
# The backup and restore drill of both databases (docs/deploy.md "Backups"): dump, restore into
# scratch databases, check them. DATABASE_URL and TELESERVICES_DATABASE_URL name the databases.
# Run by CI through replication/tests/test_restore_drill.py; by hand: scripts/restore-drill.sh
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py restore_drill "$@"

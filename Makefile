# TS Admin — the two commands: `make run` (demo on the embedded default) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PORTAL_PORT ?= 8001

# Tests and CI run on the real components: PostgreSQL and Redis on this machine.
TEST_ENV := TSADMIN_ENV=test \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tsadmin} \
	TELESERVICES_DATABASE_URL=$${TEST_TELESERVICES_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tsadmin_teleservices} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	CELERY_BROKER_URL=$${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/1} \
	CELERY_RESULT_BACKEND=$${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/1}

.PHONY: run test setup system-deps browser-deps test-deps services migrate demo lint check bench clean

PIP_QUIET := --quiet --disable-pip-version-check --root-user-action=ignore
# Some machines' pip configuration names local package folders that do not exist: pip warns
# once per package. Those lines are dropped; every other message, and pip's failure, shows.
PIP_FILTER := 2>&1 | { grep -v "^WARNING: Location '.*' is ignored" || true; }

$(VENV)/.installed: requirements.txt
	@set -o pipefail; test -x $(PY) || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install $(PIP_QUIET) --upgrade pip $(PIP_FILTER); }
	@set -o pipefail; $(PY) -m pip install $(PIP_QUIET) -r requirements.txt $(PIP_FILTER)
	@touch $@

setup: system-deps $(VENV)/.installed

# WeasyPrint needs Pango; the letters use DejaVu fonts. Installed from Debian when missing.
system-deps:
	@bash scripts/system-deps.sh

browser-deps:
	@bash scripts/browser-deps.sh

# Debian's slapd for the directory sign-in tests.
test-deps:
	@bash scripts/test-deps.sh

services:
	@bash scripts/services-up.sh

migrate: setup
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py migrate --noinput -v0 --database teleservices

# The demo academy, then a full replication so the families' database holds what it may see.
demo: migrate
	@$(PY) manage.py seed_demo --if-empty --schools 3 --students 300
	@$(PY) manage.py replicate --full --quiet

run: demo
	@bash scripts/run.sh $(HOST) $(PORT) $(PORTAL_PORT)

test: setup browser-deps test-deps services
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The browser tests (-m browser) five times in a row, as `make test` runs them; stops at the
# first failing run, so a test that only fails now and then shows up here.
.PHONY: test-browser-repeat
test-browser-repeat: setup browser-deps services
	@for run in 1 2 3 4 5; do \
		echo "== Browser tests, run $$run of 5"; \
		$(TEST_ENV) $(PY) -m pytest -m browser $(PYTEST_ARGS) || exit 1; \
	done

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# What CI checks besides the tests: lint, the layers of DESIGN.md (.importlinter), migrations
# that match the models, and Django's deployment checks under production settings (the admin's
# and the families' portal's), which refuse the embedded defaults (tsadmin/production.py): the
# environment below names PostgreSQL, Redis and an SMTP server with STARTTLS (none is contacted).
PROD_CHECK_ENV := TSADMIN_ENV=production ALLOWED_HOSTS=ts.example.org \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	TELESERVICES_CODE_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	CODES_ENCRYPTION_KEYS=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	CODES_LOOKUP_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	OTP_ENCRYPTION_KEYS=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsadmin \
	TELESERVICES_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsadmin_teleservices \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend EMAIL_HOST=smtp.example.org EMAIL_PORT=587 EMAIL_USE_TLS=true
check: lint
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run --verbosity 1
	$(PROD_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(PROD_CHECK_ENV) DJANGO_SETTINGS_MODULE=tsadmin.settings_portal PORTAL_ALLOWED_HOSTS=famille.example.org \
		PORTAL_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: setup services
	bash scripts/bench.sh $(BENCH)

clean:
	rm -rf var/ .pytest_cache

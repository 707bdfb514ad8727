"""A complete production environment for the settings tests, run in a subprocess.

Production refuses every embedded default (tsadmin/production.py): the environment here names
PostgreSQL, Redis, an SMTP server with STARTTLS and strong keys; each test then breaks one thing.
Nothing is inherited from the test run's environment but the paths Python needs, so a variable
set on the developer's machine cannot make a refusal pass or fail.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "tsadmin.settings"
PORTAL = "tsadmin.settings_portal"
_KEPT = {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH", "SSL_CERT_FILE"}


def production_env(settings_module: str = ADMIN, **overrides: str | None) -> dict[str, str]:
    """Environment variables that start `settings_module` in production; None removes one."""
    env = {k: v for k, v in os.environ.items() if k in _KEPT}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        TSADMIN_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        PORTAL_SECRET_KEY=secrets.token_urlsafe(64),
        TELESERVICES_CODE_KEY=secrets.token_urlsafe(64),
        CODES_ENCRYPTION_KEYS=f"{secrets.token_urlsafe(64)},{secrets.token_urlsafe(64)}",
        CODES_LOOKUP_KEY=secrets.token_urlsafe(64),
        OTP_ENCRYPTION_KEYS=f"{secrets.token_urlsafe(64)},{secrets.token_urlsafe(64)}",
        ALLOWED_HOSTS="ts.example.org,testserver",
        PORTAL_ALLOWED_HOSTS="famille.example.org,testserver",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tsadmin"),
        TELESERVICES_DATABASE_URL=os.environ.get(
            "TELESERVICES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tsadmin_teleservices"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
    )
    if not env["DATABASE_URL"].startswith("postgres"):
        env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/tsadmin"
    if not env["TELESERVICES_DATABASE_URL"].startswith("postgres"):
        env["TELESERVICES_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/tsadmin_teleservices"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a fresh process with exactly `env`."""
    return subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def settings_value(expression: str, *, env: dict[str, str]) -> str:
    """The printed value of `expression` (with `settings` in scope) under `env`; fails on a refusal."""
    result = run_manage("shell", "-c", f"from django.conf import settings; print({expression})", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]

"""Settings come from the environment; production refuses to start without a real secret.

The other refusals of production (embedded defaults, DEBUG, mail without TLS) are in
test_production_settings.py."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from tests.production import production_env, run_manage

ROOT = Path(__file__).resolve().parent.parent
_SECRETS = {"SECRET_KEY", "TELESERVICES_CODE_KEY", "CODES_ENCRYPTION_KEYS", "CODES_LOOKUP_KEY", "OTP_ENCRYPTION_KEYS"}


def _manage(*args, **env):
    """manage.py with this environment minus the secrets and the mode, plus `env`."""
    full_env = {
        k: v for k, v in os.environ.items() if k not in _SECRETS | {"TSADMIN_ENV", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    full_env.update(env)
    return subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env=production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_manage("check", env=production_env(SECRET_KEY="django-insecure-short"))
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_the_codes_encryption_and_lookup_keys():
    # The codes at rest are sealed with keys from the environment, never from a generated file.
    result = run_manage("check", env=production_env(CODES_ENCRYPTION_KEYS=None))
    assert result.returncode != 0
    assert "CODES_ENCRYPTION_KEYS must be set in production" in result.stderr
    result = run_manage("check", env=production_env(CODES_LOOKUP_KEY=None))
    assert result.returncode != 0
    assert "CODES_LOOKUP_KEY must be set in production" in result.stderr


def test_production_refuses_a_weak_key_among_the_codes_encryption_keys():
    result = run_manage("check", env=production_env(CODES_ENCRYPTION_KEYS=f"{secrets.token_urlsafe(60)},short"))
    assert result.returncode != 0
    assert "Every key of CODES_ENCRYPTION_KEYS must be 50 characters" in result.stderr


def test_production_refuses_to_start_without_the_totp_encryption_keys():
    # The staff's TOTP secrets are sealed with keys of their own, from the environment only.
    result = run_manage("check", env=production_env(OTP_ENCRYPTION_KEYS=None))
    assert result.returncode != 0
    assert "OTP_ENCRYPTION_KEYS must be set in production" in result.stderr
    result = run_manage("check", env=production_env(OTP_ENCRYPTION_KEYS=f"{secrets.token_urlsafe(60)},short"))
    assert result.returncode != 0
    assert "Every key of OTP_ENCRYPTION_KEYS must be 50 characters" in result.stderr


def test_production_refuses_a_key_shared_by_the_codes_and_the_totp_secrets():
    shared = secrets.token_urlsafe(64)
    env = production_env(CODES_ENCRYPTION_KEYS=shared, OTP_ENCRYPTION_KEYS=f"{secrets.token_urlsafe(64)},{shared}")
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "CODES_ENCRYPTION_KEYS and OTP_ENCRYPTION_KEYS share a key" in result.stderr
    assert shared not in result.stderr  # the refusal names the settings, never the secret


def test_production_refuses_to_start_without_the_codes_digest_key():
    # The key of the codes' digests in the téléservices database is in no database: production
    # must be given one, never fall back to a generated file.
    result = run_manage("check", env=production_env(TELESERVICES_CODE_KEY=None))
    assert result.returncode != 0
    assert "TELESERVICES_CODE_KEY must be set in production" in result.stderr


def test_the_ui_speaks_french_with_dates_as_the_manual_prints_them(settings):
    import datetime

    from django.utils import formats, translation

    assert settings.LANGUAGE_CODE == "fr-fr" and settings.TIME_ZONE == "Europe/Paris"
    with translation.override("fr"):
        assert formats.date_format(datetime.date(2026, 9, 1)) == "01/09/2026"


def test_the_development_secret_key_file_is_readable_by_its_owner_only(tmp_path):
    result = _manage("check", TSADMIN_VAR_DIR=str(tmp_path), TSADMIN_ENV="dev")
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(key_file.read_text().strip()) >= 50
    assert (tmp_path / "teleservices_code_key").stat().st_mode & 0o777 == 0o600
    # The TOTP secrets' sealing key too: generated once, owner-only, distinct from the codes' one.
    otp_key = tmp_path / "otp_encryption_keys"
    assert otp_key.stat().st_mode & 0o777 == 0o600 and len(otp_key.read_text().strip()) >= 50
    assert otp_key.read_text() != (tmp_path / "codes_encryption_keys").read_text()
    first = key_file.read_text()
    assert _manage("check", TSADMIN_VAR_DIR=str(tmp_path), TSADMIN_ENV="dev").returncode == 0
    assert key_file.read_text() == first


def test_the_folder_broker_keeps_its_exchange_files_under_var(tmp_path):
    # kombu's default control folder is ./control: `make run` wrote it into the checkout.
    code = "from tsadmin.celery import app; app.send_task('walk.noop')"
    result = _manage(
        "shell", "-c", code, TSADMIN_VAR_DIR=str(tmp_path), TSADMIN_ENV="dev", CELERY_BROKER_URL="filesystem://"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "celery-queue" / "control" / "celery.exchange").exists()

"""The portal runs alone under tsadmin.settings_portal: one database (the téléservices one), no SIECLE app.

A real server process is started with the portal's settings while DATABASE_URL still names the
SIECLE test base in its environment: it must answer, sign a family in, and hold connections
to the téléservices base only (pg_stat_activity).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import connections

from conftest import _test_database_url
from tests.production import PORTAL, production_env, run_manage

from .factories import PASSWORD, account_factory, guardian_code
from .server import ROOT, PortalServer


def _portal_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tsadmin.settings_portal",
        TSADMIN_ENV="test",
        DEBUG="false",
        TELESERVICES_DATABASE_URL=_test_database_url("teleservices"),
        # The SIECLE base is in the environment on purpose: the portal must not read it.
        DATABASE_URL=_test_database_url("default"),
    )
    env.update(extra)
    return env


def test_the_portal_settings_know_one_database_and_no_siecle_app():
    code = (
        "from django.conf import settings; import json;"
        "print(json.dumps([list(settings.DATABASES), settings.DATABASES['default']['NAME'],"
        " settings.INSTALLED_APPS, settings.ROOT_URLCONF,"
        " [p for p in settings.TEMPLATES[0]['OPTIONS']['context_processors']]]))"
    )
    result = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_portal_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    import json

    aliases, name, apps, urlconf, processors = json.loads(result.stdout.strip().splitlines()[-1])
    assert aliases == ["default"]
    assert name == connections["teleservices"].settings_dict["NAME"]
    assert not {"siecle", "staff", "services", "codes", "car", "cae", "notifications", "replication"} & set(apps)
    assert "django.contrib.sessions" not in apps and "django.contrib.auth" not in apps
    assert urlconf == "tsadmin.urls_portal"
    assert not any("staff" in p for p in processors)


def test_the_portals_password_rules_speak_french_without_django_auth_installed():
    # The other tests run under the admin's settings, which install django.contrib.auth and so
    # load its French catalogue; the portal alone must find it too (a family saw English here).
    code = (
        "from django.core.exceptions import ValidationError; from portal.auth import password_validate\n"
        "for raw in ('court', 'famille.durand', '123456789012345'):\n"
        "    try:\n"
        "        password_validate(raw, login='famille.durand')\n"
        "    except ValidationError as error:\n"
        "        print(' | '.join(error.messages))\n"
    )
    result = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_portal_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-3:]
    assert "trop court" in lines[0] and "12 caractères" in lines[0]
    assert "trop semblable" in lines[1] and "identifiant" in lines[1]
    assert "entièrement numérique" in lines[2]
    assert "password" not in result.stdout.lower()


def test_the_portal_settings_pass_the_deployment_checklist():
    # A complete production environment (PostgreSQL, Redis, SMTP with TLS): see tests/production.py.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(PORTAL))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_portal_refuses_production_without_its_own_secret():
    result = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_portal_env(TSADMIN_ENV="production", SECRET_KEY=secrets.token_urlsafe(60)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "PORTAL_SECRET_KEY must be set" in result.stderr


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_portal_server_answers_and_holds_no_connection_to_the_siecle_base(settings):
    code, _ = guardian_code()
    account_factory(login="parent.seul", codes=[code])
    server = PortalServer(
        _portal_env(
            TELESERVICES_CODE_KEY=settings.TELESERVICES_CODE_KEY, REDIS_URL=settings.CACHES["default"]["LOCATION"]
        )
    )
    try:
        status, _, text = server.wait_ready()
        assert status == 200 and "Connexion" in text and "Scolarité services" in text
        assert "1 enfant est rattaché" in server.sign_in("parent.seul", PASSWORD)
        assert any(c.name == "ts_famille" for c in server.jar)
        status, _, text = server.get("/nulle-part/")
        assert status == 404 and "Page introuvable" in text
        # A form's address opened directly (history, bookmark): the portal's French page, not an empty 405.
        status, headers, text = server.get("/activation/compte/")
        assert status == 405 and "Page non disponible" in text and "Scolarité services" in text
        assert "POST" in headers["Allow"] and "Content-Security-Policy" in headers
        # A form posted without its CSRF token: the French page, as on the admin.
        forged = urllib.request.Request(f"{server.base}/rattacher/", data=b"code=x&birth_date=y")  # noqa: S310
        try:
            urllib.request.urlopen(forged, timeout=30)  # noqa: S310 — our local server
            pytest.fail("a POST without CSRF token was accepted")
        except urllib.error.HTTPError as error:
            assert error.code == 403 and "Demande refusée" in error.read().decode()
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_stat_activity WHERE application_name = 'tsadmin-portal'")
            databases = [row[0] for row in cursor.fetchall()]
        assert connections["teleservices"].settings_dict["NAME"] in databases
        assert connections["default"].settings_dict["NAME"] not in databases
    finally:
        server.stop()


def test_in_production_the_portals_cookies_are_secure_and_its_own():
    code = (
        "from django.conf import settings;"
        "print(settings.PORTAL_SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.PORTAL_SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)"
    )
    result = run_manage("shell", "-c", code, env=production_env(PORTAL))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "__Host-ts_famille",
        "__Host-ts_famille_csrf",
    ]

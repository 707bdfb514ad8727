"""Fail-closed production: each unsafe setting stops both sites at start, with a clear reason.

Each test starts `manage.py check` in a fresh process with a complete production environment
(tests/production.py) and breaks exactly one thing in it; the staff site (tsadmin.settings) and
the families' portal (tsadmin.settings_portal) are held to the same rules.
"""

import pytest

from tests.production import ADMIN, PORTAL, production_env, run_manage, settings_value

BOTH = pytest.mark.parametrize("site", [ADMIN, PORTAL], ids=["admin", "portal"])


def refusal(site: str, **broken: str | None) -> str:
    result = run_manage("check", env=production_env(site, **broken))
    assert result.returncode != 0, f"{site} started with {broken}"
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr


@BOTH
def test_the_complete_production_environment_starts_and_passes_the_deployment_checklist(site):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(site))
    assert result.returncode == 0, result.stdout + result.stderr


@BOTH
def test_debug_is_refused(site):
    assert "DEBUG must be off in production" in refusal(site, DEBUG="true")


@BOTH
def test_sqlite_is_refused(site):
    stderr = refusal(site, TELESERVICES_DATABASE_URL="sqlite:////tmp/teleservices.sqlite3")
    assert "database is SQLite, the embedded default only" in stderr


def test_sqlite_for_the_siecle_base_is_refused():
    stderr = refusal(ADMIN, DATABASE_URL="sqlite:////tmp/siecle.sqlite3")
    assert "The 'default' database is SQLite" in stderr


@BOTH
def test_the_file_cache_is_refused(site):
    # Without Redis the cache falls back to a folder under var/: not shared between servers.
    stderr = refusal(site, REDIS_URL=None, CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert "cache is FileBasedCache, not shared and not fit for production" in stderr


def test_the_folder_broker_is_refused():
    stderr = refusal(ADMIN, CELERY_BROKER_URL="filesystem://")
    assert "CELERY_BROKER_URL must be Redis in production" in stderr


def test_results_in_files_are_refused():
    stderr = refusal(ADMIN, CELERY_RESULT_BACKEND="file:///tmp/celery-results")
    assert "CELERY_RESULT_BACKEND must be Redis in production" in stderr


@BOTH
@pytest.mark.parametrize(
    "backend",
    [
        "tsadmin.mail.OneFilePerMessageBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
    ],
    ids=["our-files", "django-files", "console"],
)
def test_mail_written_to_files_or_the_console_is_refused(site, backend):
    stderr = refusal(site, EMAIL_BACKEND=backend)
    assert f"EMAIL_BACKEND must be django.core.mail.backends.smtp.EmailBackend in production ({backend}" in stderr


@BOTH
def test_smtp_without_tls_is_refused(site):
    stderr = refusal(site, EMAIL_USE_TLS="false")
    assert "SMTP needs TLS in production" in stderr


@BOTH
def test_smtp_over_implicit_tls_is_accepted(site):
    env = production_env(site, EMAIL_USE_TLS="false", EMAIL_USE_SSL="true", EMAIL_PORT="465")
    assert settings_value("settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS", env=env) == "True False"


@BOTH
def test_hsts_turned_off_is_refused(site):
    assert "SECURE_HSTS_SECONDS must be positive in production" in refusal(site, SECURE_HSTS_SECONDS="0")


@BOTH
@pytest.mark.parametrize(
    "key",
    ["k" * 64, "abcd" * 20, "short-but-varied-1234", "django-insecure-" + "x1y2z3w4v5" * 5],
    ids=["one-repeated-character", "four-distinct-characters", "short", "development-key"],
)
def test_a_weak_secret_key_is_refused(site, key):
    name = "SECRET_KEY" if site == ADMIN else "PORTAL_SECRET_KEY"
    assert f"{name} is too weak for production" in refusal(site, **{name: key})


@BOTH
def test_a_weak_codes_digest_key_is_refused(site):
    assert "TELESERVICES_CODE_KEY is too weak for production" in refusal(site, TELESERVICES_CODE_KEY="t" * 64)


@BOTH
def test_every_problem_is_named_at_once(site):
    stderr = refusal(site, DEBUG="true", EMAIL_USE_TLS="false")
    assert "DEBUG must be off" in stderr and "SMTP needs TLS" in stderr


@BOTH
def test_the_forwarded_protocol_is_believed_only_behind_a_trusted_proxy(site):
    # Anybody may send X-Forwarded-Proto: believed only when a proxy of ours is declared.
    assert settings_value("settings.SECURE_PROXY_SSL_HEADER", env=production_env(site)) == "None"
    trusted = production_env(site, TRUSTED_PROXY="1")
    assert settings_value("settings.SECURE_PROXY_SSL_HEADER", env=trusted) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_admins_proxy_count_declares_a_trusted_proxy():
    env = production_env(ADMIN, TRUSTED_PROXY_COUNT="1")
    assert settings_value("settings.SECURE_PROXY_SSL_HEADER", env=env) == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_outside_production_the_embedded_defaults_still_run(tmp_path):
    env = production_env(
        ADMIN,
        TSADMIN_ENV="dev",
        TSADMIN_VAR_DIR=str(tmp_path),
        DATABASE_URL=None,
        TELESERVICES_DATABASE_URL=None,
        REDIS_URL=None,
        EMAIL_BACKEND=None,
        EMAIL_USE_TLS=None,
    )
    expression = "settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, settings.EMAIL_BACKEND"
    assert settings_value(expression, env=env) == (
        "django.db.backends.sqlite3 filesystem:// tsadmin.mail.OneFilePerMessageBackend"
    )


# --- Cookies: "__Host-" names in production, each site its own -------------------------------

_SET_COOKIES = (
    "from django.test import Client; "
    "print(Client().get('/connexion/', secure=True).cookies.output().replace(chr(10), ' | '))"
)
_SESSION_COOKIE = (
    "from django.conf import settings; from django.http import HttpResponse; from django.test import RequestFactory; "
    "from django.contrib.sessions.middleware import SessionMiddleware; "
    # A signed-cookie session here: nothing is written to a database by this check.
    "settings.SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'; "
    "view = lambda request: (request.session.__setitem__('seen', 1), HttpResponse())[1]; "
    "print(SessionMiddleware(view)(RequestFactory().get('/', secure=True)).cookies.output())"
)


def _set_cookie(site: str, code: str, **env) -> str:
    result = run_manage("shell", "-c", code, env=production_env(site, **env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _assert_host_only(set_cookie: str, name: str) -> None:
    # What browsers demand of a "__Host-" cookie: Secure, Path=/, no Domain.
    assert set_cookie.startswith(f"Set-Cookie: {name}="), set_cookie
    assert "; Secure" in set_cookie and "Path=/;" in set_cookie and "Domain" not in set_cookie


def test_in_production_the_admins_cookies_are_host_only():
    _assert_host_only(_set_cookie(ADMIN, _SET_COOKIES), "__Host-tsadmin_csrf")
    session = _set_cookie(ADMIN, _SESSION_COOKIE)
    _assert_host_only(session, "__Host-tsadmin")
    assert "HttpOnly" in session


def test_in_production_the_portals_cookies_are_host_only_and_its_own():
    _assert_host_only(_set_cookie(PORTAL, _SET_COOKIES), "__Host-ts_famille_csrf")
    # The families' session cookie is set by portal.sessions with the portal's own name and flag.
    names = settings_value(
        "settings.PORTAL_SESSION_COOKIE_NAME, settings.PORTAL_SESSION_COOKIE_SECURE", env=production_env(PORTAL)
    )
    assert names == "__Host-ts_famille True"


@BOTH
def test_without_https_the_cookies_keep_plain_names(site, tmp_path):
    env = production_env(site, TSADMIN_ENV="test", TSADMIN_VAR_DIR=str(tmp_path))
    if site == ADMIN:
        assert settings_value("settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME", env=env) == (
            "tsadmin tsadmin_csrf"
        )
    else:
        assert settings_value("settings.PORTAL_SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME", env=env) == (
            "ts_famille ts_famille_csrf"
        )


# --- The browser policy's headers, as a production server sends them -------------------------

_HEADERS = (
    "from django.test import Client; r = Client().get('/connexion/', secure=True); "
    "print(r.status_code, '|', r['Content-Security-Policy'], '|', r['Permissions-Policy'])"
)


@BOTH
def test_in_production_both_sites_send_the_browser_policy(site):
    status, csp, permissions = _set_cookie(site, _HEADERS).split(" | ")
    assert status == "200"
    directives = {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in csp.split("; ")}
    assert directives == {
        "default-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }
    assert "unsafe-inline" not in csp and "script-src" not in csp and "style-src" not in csp
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions

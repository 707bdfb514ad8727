"""Settings of the families' portal "Scolarité services", deployable alone on its own server.

The portal faces the internet: it holds only the téléservices database (as `default`, from
TELESERVICES_DATABASE_URL; DATABASE_URL, the SIECLE base, is never read here), its own secret
key (PORTAL_SECRET_KEY), the codes' digest key (TELESERVICES_CODE_KEY, shared with the SIECLE
side), its own cache for the rate limits (PORTAL_REDIS_URL or REDIS_URL; a file cache without
Redis), its own session cookie and storage (`portal.FamilySession`), and none of the SIECLE
apps. Run it with DJANGO_SETTINGS_MODULE=tsadmin.settings_portal (`make run` does, on :8001).

This module does not import tsadmin.settings on purpose: that one reads DATABASE_URL.
"""

from pathlib import Path

import django
import environ

from tsadmin import browser_policy, production
from tsadmin.keys import key_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("TSADMIN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TSADMIN_ENV = env.str("TSADMIN_ENV", default="dev")  # dev | test | production
PRODUCTION = TSADMIN_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)


def _key(name: str) -> str:
    return key_from_env(env, name, var_dir=VAR_DIR, production=PRODUCTION)


SECRET_KEY = _key("PORTAL_SECRET_KEY")
# Shared with the SIECLE side (the replication writes the digests): see portal.digests.
TELESERVICES_CODE_KEY = _key("TELESERVICES_CODE_KEY")
ALLOWED_HOSTS = env.list("PORTAL_ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("PORTAL_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tsadmin.middleware.PermissionsPolicyMiddleware",
    # Below the security headers: a database that does not answer gives the maintenance page (with them).
    "portal.maintenance.MaintenanceMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tsadmin.middleware.MethodNotAllowedPageMiddleware",
]
# What a form's address opened directly (a GET where only POST is accepted) shows.
METHOD_NOT_ALLOWED_TEMPLATE = "portal/405.html"

ROOT_URLCONF = "tsadmin.urls_portal"
WSGI_APPLICATION = "tsadmin.wsgi_portal.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
        },
    },
]

# --- One database: the téléservices base ------------------------------------------------
_db = env.db("TELESERVICES_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'teleservices.sqlite3'}")
if _db["ENGINE"].endswith("sqlite3"):
    _db.setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
else:
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)
    # Shown in pg_stat_activity: the DBA (and a test) sees which site holds which connection.
    _db.setdefault("OPTIONS", {}).setdefault("application_name", "tsadmin-portal")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: the rate limits' counters -----------------------------------------------------
REDIS_URL = env.str("PORTAL_REDIS_URL", default=env.str("REDIS_URL", default=""))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "portal-cache"),
        }
    }

# --- Families' accounts and sessions (portal.auth, portal.sessions) -----------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
# In production "__Host-" names (Secure, Path=/, no Domain: see tsadmin/settings.py), distinct
# from the staff site's; plain names where HTTPS is absent.
_COOKIE_PREFIX = "__Host-" if PRODUCTION else ""
PORTAL_SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}ts_famille"
PORTAL_SESSION_IDLE_SECONDS = env.int("PORTAL_SESSION_IDLE_SECONDS", default=30 * 60)
PORTAL_SESSION_COOKIE_SECURE = PRODUCTION
# The address of this site in the e-mails it sends (validation and reset links).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8001")

CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}ts_famille_csrf"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = browser_policy.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = browser_policy.PERMISSIONS_POLICY
# X-Forwarded-Proto is believed only from a reverse proxy of ours (TRUSTED_PROXY=1).
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=False)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0
if PRODUCTION:
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_SECURE = True  # unused (no django.contrib.sessions); keeps check --deploy quiet
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Language and dates ----------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["tsadmin.formats"]
# django.contrib.auth is not installed here, but its password validators (portal.auth) are used:
# their French messages live in its catalogue, which only an installed app's locale loads.
LOCALE_PATHS = [BASE_DIR / "locale", Path(django.__file__).resolve().parent / "contrib" / "auth" / "locale"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100

# --- E-mail (validation, reset and e-mail-change links) --------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="tsadmin.mail.OneFilePerMessageBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
# Production: SMTP only, with EMAIL_USE_TLS or EMAIL_USE_SSL; the certificate is always checked.
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Scolarité services <ne-pas-repondre@teleservices.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# "Contacter l'établissement" (F5): the From of the messages to schools (the family is Reply-To).
PORTAL_CONTACT_FROM_EMAIL = env.str("PORTAL_CONTACT_FROM_EMAIL", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- Production: no embedded default, no DEBUG, TLS everywhere (tsadmin.production) ---------
if PRODUCTION:
    production.refuse_unsafe(
        debug=DEBUG,
        databases=DATABASES,
        caches=CACHES,
        email_backend=EMAIL_BACKEND,
        email_use_tls=EMAIL_USE_TLS,
        email_use_ssl=EMAIL_USE_SSL,
        hsts_seconds=SECURE_HSTS_SECONDS,
    )

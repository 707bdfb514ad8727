"""TS Admin settings, read from the environment.

Every value has a default that runs at once on a fresh machine (two SQLite files, no
Redis, e-mails written to files under var/). Production sets TSADMIN_ENV=production and
real URLs; it refuses to start without a real SECRET_KEY or with any of the embedded
defaults (tsadmin.production).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from tsadmin import browser_policy, production
from tsadmin.keys import key_from_env, keys_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

VAR_DIR = Path(env.str("TSADMIN_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TSADMIN_ENV = env.str("TSADMIN_ENV", default="dev")  # dev | test | production
PRODUCTION = TSADMIN_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)


def _key(name: str) -> str:
    return key_from_env(env, name, var_dir=VAR_DIR, production=PRODUCTION)


SECRET_KEY = _key("SECRET_KEY")
# The key of the activation codes' digests (HMAC-SHA256) in the téléservices database: held by
# the SIECLE side (the replication) and the families' portal (it hashes what a parent types),
# in no database (docs/teleservices-database.md). Changing it makes every replicated code unusable
# until a `replicate --full`.
TELESERVICES_CODE_KEY = _key("TELESERVICES_CODE_KEY")
# Activation codes at rest in the SIECLE base (docs/codes-at-rest.md): AES-GCM keys, newest first,
# comma-separated (the older ones only open rows `codes_rotate_key` has not re-sealed yet), and
# the key of the lookup hash that finds a typed code and keeps codes unique. In no database.
CODES_ENCRYPTION_KEYS = keys_from_env(env, "CODES_ENCRYPTION_KEYS", var_dir=VAR_DIR, production=PRODUCTION)
CODES_LOOKUP_KEY = _key("CODES_LOOKUP_KEY")
# The staff's TOTP secrets at rest (the second factor's shared keys, docs/codes-at-rest.md): AES-GCM
# keys of their own, newest first, comma-separated (`manage.py totp_rotate_key` re-seals). Distinct
# from CODES_ENCRYPTION_KEYS (production refuses a key listed in both): each rotates on its own.
OTP_ENCRYPTION_KEYS = keys_from_env(env, "OTP_ENCRYPTION_KEYS", var_dir=VAR_DIR, production=PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "siecle",
    "staff",
    "audit",
    "services",
    "codes",
    "car",
    "cae",
    "notifications",
    "stats",
    "replication",
    "portal",
    "jobs",
    "imports",
    "consultation",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tsadmin.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "staff.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tsadmin.middleware.MethodNotAllowedPageMiddleware",
]
# What a form's address opened directly (a GET where only POST is accepted) shows.
METHOD_NOT_ALLOWED_TEMPLATE = "405.html"

ROOT_URLCONF = "tsadmin.urls"
WSGI_APPLICATION = "tsadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staff.context_processors.current_school",
            ],
        },
    },
]

# --- Databases: the SIECLE base ("default") and the téléservices base -----------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'siecle.sqlite3'}"),
    "teleservices": env.db("TELESERVICES_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'teleservices.sqlite3'}"),
}
for _db in DATABASES.values():
    if _db["ENGINE"].endswith("sqlite3"):
        # Concurrent web + worker processes on the embedded default: wait for locks.
        _db.setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    else:
        _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        _db.setdefault("CONN_HEALTH_CHECKS", True)
DATABASE_ROUTERS = ["tsadmin.routers.AppDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, progress of jobs) ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared between the web server and the worker without any server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir),
        "store_processed": False,
        # Its exchange tables too (kombu's default is ./control, in the working directory).
        "control_folder": str(_queue_dir / "control"),
    }
    (VAR_DIR / "celery-results").mkdir(exist_ok=True)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery-results'}")
else:
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
    # Tasks are acknowledged late: one taken by a worker that died before the end (SIGKILL, a
    # lost machine) goes back to its queue this many seconds after it was taken (kombu's default,
    # 1 h: longer than any letters chunk, about the longest task's time limit). Workers look for
    # such tasks every 10 x CELERY_BROKER_RESTORE_INTERVAL seconds. The fault tests shorten both.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=60 * 60),
        "unacked_restore_interval": env.int("CELERY_BROKER_RESTORE_INTERVAL", default=10),
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "Europe/Paris"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker process is replaced after a task that left it above this resident size (KiB): 1.5x
# the peak measured by bench/peak.py (4,000 letters, two imports and account creations at once:
# 343 MB; docs/deploy.md "Measures").
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=520_000)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Two queues: the letters' rendering (chunks of up to 120 letters, minutes of CPU for a big
# school) has its own, so that an import or an e-mail queued behind a school's 4,000 letters
# does not wait for them (docs/deploy.md, "Measures"). Everything else stays on `celery`.
# Production starts one pool per queue (`-Q celery`, `-Q letters`); `make run` and the tests
# start one worker for both (`-Q celery,letters`). A worker started without -Q consumes both.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (Queue("celery", routing_key="celery"), Queue("letters", routing_key="letters"))
CELERY_TASK_ROUTES = {
    "notifications.tasks.letters_chunk": {"queue": "letters"},
    "notifications.tasks.letters_join": {"queue": "letters"},
}
CELERY_BEAT_SCHEDULE: dict = {
    "jobs-fail-stale": {"task": "jobs.tasks.jobs_fail_stale", "schedule": 15 * 60},
    # Notifications: letters (PAPER): PDFs past their retention are deleted.
    "notifications-letters-purge": {"task": "notifications.tasks.letters_pdfs_purge", "schedule": 6 * 60 * 60},
}

# --- Notifications: letters (PAPER) ------------------------------------------------------
# Generated PDFs live in a private folder (never served as media), deleted after the retention.
NOTIFICATIONS_DIR = Path(env.str("NOTIFICATIONS_DIR", default=str(VAR_DIR / "notifications")))
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=30)
# The result page of a notification reloads itself this often while e-mails wait (0: never).
NOTIFICATIONS_RUN_REFRESH_SECONDS = env.int("NOTIFICATIONS_RUN_REFRESH_SECONDS", default=10)
# The nightly replication runs at this hour, Paris time: a new code works from the next run.
REPLICATION_HOUR = env.int("REPLICATION_HOUR", default=2)
# The embedded default (SQLite) has no advisory lock: a run's lock row older than this is free.
REPLICATION_LOCK_STALE_SECONDS = env.int("REPLICATION_LOCK_STALE_SECONDS", default=6 * 60 * 60)
CELERY_BEAT_SCHEDULE["replication-nightly"] = {
    "task": "replication.tasks.replicate_task",
    # CELERY_TIMEZONE is Europe/Paris: the hour is Paris time, summer and winter alike.
    "schedule": crontab(hour=REPLICATION_HOUR, minute=0),
    "kwargs": {"origin": "nuit"},
}

# --- Retention of the journals (docs/audit.md) ------------------------------------------
# The journal of reads (exports, letters downloaded, code screens: audit.ReadEvent) and the
# security log of sign-ins (staff.SignInEvent) are deleted, in batches, past these ages, by two
# beat tasks each night (Paris time) and by `manage.py audit_purge`. The security log's purge
# never deletes rows the sign-in throttle still counts (its window, at most a day by default).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
SIGN_IN_EVENT_RETENTION_DAYS = env.int("SIGN_IN_EVENT_RETENTION_DAYS", default=180)
if AUDIT_RETENTION_DAYS < 1 or SIGN_IN_EVENT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS and SIGN_IN_EVENT_RETENTION_DAYS must be at least 1.")
CELERY_BEAT_SCHEDULE["audit-read-events-purge"] = {
    "task": "audit.tasks.read_events_purge",
    "schedule": crontab(hour=4, minute=30),
}
CELERY_BEAT_SCHEDULE["staff-sign-in-events-purge"] = {
    "task": "staff.tasks.sign_in_events_purge",
    "schedule": crontab(hour=4, minute=40),
}

# --- Authentication ---------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "staff.security.passwords.FrenchCommonPasswordValidator"},
]
# The academy directory (LDAP, staff.directory.DirectoryBackend), after the local accounts
# (IT staff, `make run`): on when LDAP_URL is set. ldaps:// or LDAP_START_TLS=true with the
# academy's CA in LDAP_CA_FILE; every connection and operation gives up after LDAP_TIMEOUT_SECONDS.
LDAP_URL = env.str("LDAP_URL", default="")
if LDAP_URL:
    from tsadmin.ldap_settings import directory_settings

    globals().update(
        directory_settings(
            url=LDAP_URL,
            bind_dn=env.str("LDAP_BIND_DN", default=""),
            bind_password=env.str("LDAP_BIND_PASSWORD", default=""),
            search_base=env.str("LDAP_SEARCH_BASE"),
            user_filter=env.str("LDAP_USER_FILTER", default="(uid=%(user)s)"),
            start_tls=env.bool("LDAP_START_TLS", default=False),
            ca_file=env.str("LDAP_CA_FILE", default=""),
            timeout_seconds=env.float("LDAP_TIMEOUT_SECONDS", default=3.0),
        )
    )
    AUTHENTICATION_BACKENDS.append("staff.directory.DirectoryBackend")
# Directory functions (FrEduFonctAdm) that open TS Admin on the schools of FrEduRne.
LDAP_HEAD_FUNCTIONS = env.list("LDAP_HEAD_FUNCTIONS", default=["DIR"])
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:portal"
LOGOUT_REDIRECT_URL = "staff:login"

# Throttling of sign-ins (staff.security.throttle), on the site and on /admin/: failures are
# counted per username and, separately, per client address; past the free ones each failure
# doubles the wait (base, 2 × base, 4 × base…, capped). A success resets the username's count.
STAFF_THROTTLE_USERNAME_FREE_FAILURES = env.int("STAFF_THROTTLE_USERNAME_FREE_FAILURES", default=4)
STAFF_THROTTLE_IP_FREE_FAILURES = env.int("STAFF_THROTTLE_IP_FREE_FAILURES", default=10)
STAFF_THROTTLE_BASE_SECONDS = env.int("STAFF_THROTTLE_BASE_SECONDS", default=60)
STAFF_THROTTLE_MAX_SECONDS = env.int("STAFF_THROTTLE_MAX_SECONDS", default=60 * 60)
STAFF_THROTTLE_USERNAME_WINDOW_SECONDS = env.int("STAFF_THROTTLE_USERNAME_WINDOW_SECONDS", default=24 * 60 * 60)
STAFF_THROTTLE_IP_WINDOW_SECONDS = env.int("STAFF_THROTTLE_IP_WINDOW_SECONDS", default=60 * 60)
# The client address: REMOTE_ADDR, or behind N reverse proxies of ours, the N-th address of
# X-Forwarded-For from the right (the one our farthest proxy saw). Never more than the real count.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Staff sessions end after 30 minutes without a request and after 8 hours in all
# (staff.middleware.StaffSessionMiddleware).
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=8 * 60 * 60)

# Second factor (TOTP, staff.security.second_factor): "all" staff accounts, only the
# "privileged" ones (academy-level, admin staff, superusers), or "off". Production: all.
STAFF_2FA = env.str("STAFF_2FA", default="all" if PRODUCTION else "off")
if STAFF_2FA not in {"all", "privileged", "off"}:
    raise ImproperlyConfigured("STAFF_2FA must be all, privileged or off.")
if PRODUCTION and STAFF_2FA != "all":
    raise ImproperlyConfigured("STAFF_2FA must be 'all' in production.")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="TS Admin")
# After n wrong codes in a row, the next one waits 2 × 2^(n-1) seconds.
OTP_TOTP_THROTTLE_FACTOR = 2
# django-otp's own admin never shows a key or a QR code (staff/admin.py replaces its page anyway).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Cookies: in production "__Host-" names, which browsers accept only Secure, with Path=/ and
# without Domain (no sibling host can set or read them); plain names where HTTPS is absent.
# Distinct from the families' portal's (ts_famille, ts_famille_csrf).
_COOKIE_PREFIX = "__Host-" if PRODUCTION else ""
SESSION_COOKIE_NAME = f"{_COOKIE_PREFIX}tsadmin"
CSRF_COOKIE_NAME = f"{_COOKIE_PREFIX}tsadmin_csrf"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = browser_policy.CONTENT_SECURITY_POLICY
PERMISSIONS_POLICY = browser_policy.PERMISSIONS_POLICY
# X-Forwarded-Proto is believed only from a reverse proxy of ours (TRUSTED_PROXY=1, or
# TRUSTED_PROXY_COUNT above 0): anybody else could claim HTTPS with it.
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=TRUSTED_PROXY_COUNT > 0)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
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
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and uploaded files ---------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Private files only (uploads awaiting their import, generated letters): no URL serves this
# folder; downloads go through views that check the school. Never map it in the web server.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000  # mass screens post thousands of checkboxes
SIECLE_UPLOAD_MAX_BYTES = env.int("SIECLE_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ------------------------------------------------------------------------------
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
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Téléservices <ne-pas-repondre@teleservices.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications: the e-mail outbox (MAIL) ---------------------------------------------
# Messages per sending task (one SMTP connection each); attempts before a message fails;
# first retry delay, doubled at each attempt (capped at one hour); a message left "sending"
# longer than the timeout belongs to a dead worker and is sent again; a queued message whose
# task was lost is queued again after REQUEUE_AFTER. The beat sweep runs every minute.
EMAIL_OUTBOX_BATCH_SIZE = env.int("EMAIL_OUTBOX_BATCH_SIZE", default=20)
EMAIL_OUTBOX_MAX_ATTEMPTS = env.int("EMAIL_OUTBOX_MAX_ATTEMPTS", default=8)
EMAIL_OUTBOX_RETRY_BASE_SECONDS = env.int("EMAIL_OUTBOX_RETRY_BASE_SECONDS", default=60)
EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS = env.int("EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS", default=10 * 60)
EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS = env.int("EMAIL_OUTBOX_REQUEUE_AFTER_SECONDS", default=15 * 60)
CELERY_IMPORTS = ["notifications.tasks_mail"]
CELERY_BEAT_SCHEDULE["notifications-outbox-sweep"] = {
    "task": "notifications.tasks_mail.outbox_sweep_task",
    "schedule": 60,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
if CELERY_BROKER_URL.startswith("filesystem"):
    # The folder broker has no host: kombu says so at each connection ("No hostname was supplied").
    LOGGING["loggers"] = {"kombu.connection": {"level": "ERROR"}}

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
        broker_url=CELERY_BROKER_URL,
        result_backend=CELERY_RESULT_BACKEND,
        key_lists={"CODES_ENCRYPTION_KEYS": CODES_ENCRYPTION_KEYS, "OTP_ENCRYPTION_KEYS": OTP_ENCRYPTION_KEYS},
    )

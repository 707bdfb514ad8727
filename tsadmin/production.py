"""Fail-closed production settings: what the embedded default may use, production may not.

Both settings modules (the staff site's and the families' portal's) call `refuse_unsafe` at
their end when TSADMIN_ENV=production. Each refusal is an ImproperlyConfigured naming the
setting and what to do, so a server never starts half safe: on SQLite, with a cache or a
broker in a folder, with e-mails written to files or the console, with DEBUG, without TLS to
the mail server, without HSTS, or with one sealing key serving two kinds of secret (activation
codes and TOTP secrets). Missing and weak keys are refused earlier, by tsadmin.keys (a missing
CODES_ENCRYPTION_KEYS or OTP_ENCRYPTION_KEYS stops the staff site there).

Mail: only Django's SMTP backend is accepted. It checks the server's certificate and name
with the system's trust store (`ssl.create_default_context()`; a private CA is added with the
standard SSL_CERT_FILE variable); no setting of ours turns the check off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _problems(
    *,
    debug: bool,
    databases: Mapping[str, Mapping],
    caches: Mapping[str, Mapping],
    email_backend: str,
    email_use_tls: bool,
    email_use_ssl: bool,
    hsts_seconds: int,
    broker_url: str | None,
    result_backend: str | None,
    key_lists: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    problems = []
    if debug:
        problems.append("DEBUG must be off in production (it shows settings and data in error pages).")
    for alias, database in databases.items():
        if database.get("ENGINE", "").endswith("sqlite3"):
            problems.append(
                f"The '{alias}' database is SQLite, the embedded default only: set its URL to PostgreSQL "
                "(DATABASE_URL, TELESERVICES_DATABASE_URL)."
            )
    for alias, cache in caches.items():
        backend = cache.get("BACKEND", "")
        if not backend.endswith("RedisCache"):
            problems.append(
                f"The '{alias}' cache is {backend.rsplit('.', 1)[-1]}, not shared and not fit for production: "
                "set REDIS_URL (PORTAL_REDIS_URL on the portal)."
            )
    if broker_url is not None and not broker_url.startswith(("redis://", "rediss://")):
        problems.append("CELERY_BROKER_URL must be Redis in production (the folder broker is the embedded default).")
    if result_backend is not None and not result_backend.startswith(("redis://", "rediss://")):
        problems.append("CELERY_RESULT_BACKEND must be Redis in production (not files under var/).")
    if email_backend != SMTP_BACKEND:
        problems.append(f"EMAIL_BACKEND must be {SMTP_BACKEND} in production ({email_backend} writes no real e-mail).")
    elif email_use_tls == email_use_ssl:
        problems.append(
            "SMTP needs TLS in production: set exactly one of EMAIL_USE_TLS (STARTTLS, port 587) "
            "or EMAIL_USE_SSL (port 465); the server's certificate is always checked."
        )
    if hsts_seconds <= 0:
        problems.append("SECURE_HSTS_SECONDS must be positive in production (HSTS on).")
    problems.extend(_shared_keys(key_lists or {}))
    return problems


def _shared_keys(key_lists: Mapping[str, Sequence[str]]) -> list[str]:
    """Settings of sealing keys that list the same secret: each kind of secret keeps its own keys,
    so that the hosts and people holding one never hold the other (docs/codes-at-rest.md)."""
    problems = []
    names = list(key_lists)
    for i, name in enumerate(names):
        for other in names[i + 1 :]:
            if set(key_lists[name]) & set(key_lists[other]):
                problems.append(f"{name} and {other} share a key: give each its own (secrets.token_urlsafe(64)).")
    return problems


def refuse_unsafe(
    *,
    debug: bool,
    databases: Mapping[str, Mapping],
    caches: Mapping[str, Mapping],
    email_backend: str,
    email_use_tls: bool,
    email_use_ssl: bool,
    hsts_seconds: int,
    broker_url: str | None = None,
    result_backend: str | None = None,
    key_lists: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Raise ImproperlyConfigured listing every unsafe production setting; nothing when all is well.

    `broker_url`, `result_backend` and `key_lists` (the sealing keys, by setting) are given by the
    staff site only (the portal runs no task and seals nothing).
    """
    problems = _problems(
        debug=debug,
        databases=databases,
        caches=caches,
        email_backend=email_backend,
        email_use_tls=email_use_tls,
        email_use_ssl=email_use_ssl,
        hsts_seconds=hsts_seconds,
        broker_url=broker_url,
        result_backend=result_backend,
        key_lists=key_lists,
    )
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production (TSADMIN_ENV=production):\n" + "\n".join(f"- {p}" for p in problems)
        )

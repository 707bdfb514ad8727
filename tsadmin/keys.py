"""Secrets from the environment, shared by the staff site's and the families' portal's settings.

A module of its own because the portal's settings must not import tsadmin.settings (which reads
the SIECLE base's DATABASE_URL).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# A production key is long and varied: what `secrets.token_urlsafe(64)` gives, never a
# placeholder such as "k" * 64 or Django's "django-insecure-..." start-project key.
KEY_MIN_LENGTH = 50
KEY_MIN_DISTINCT_CHARACTERS = 5


def key_weakness(key: str) -> str:
    """Why `key` is too weak for production, in English, or "" when it is strong enough."""
    if len(key) < KEY_MIN_LENGTH:
        return f"{KEY_MIN_LENGTH} characters at least, {len(key)} given"
    if key.startswith("django-insecure"):
        return "a development key (django-insecure-...)"
    if len(set(key)) < KEY_MIN_DISTINCT_CHARACTERS:
        return f"{KEY_MIN_DISTINCT_CHARACTERS} distinct characters at least (one repeated character is no secret)"
    return ""


def key_from_env(env, name: str, *, var_dir: Path, production: bool) -> str:
    """A secret from the environment; outside production, generated once into var/<name>.

    Production refuses a missing or weak key (see `key_weakness`). The file is created owner-only from the start
    (write_text then chmod left it readable by all for a moment), and never overwritten when
    another process wrote it first.
    """
    key = env.str(name, default="")
    if key:
        weakness = key_weakness(key) if production else ""
        if weakness:
            raise ImproperlyConfigured(f"{name} is too weak for production: {weakness}.")
        return key
    if production:
        raise ImproperlyConfigured(f"{name} must be set in production (TSADMIN_ENV=production).")
    key_file = var_dir / name.lower()
    if not key_file.exists():
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


def keys_from_env(env, name: str, *, var_dir: Path, production: bool) -> list[str]:
    """Several secrets in one variable, comma-separated, newest first (a key being rotated out
    stays listed after the new one until nothing uses it any more).

    Same rules as `key_from_env`, for each key: production refuses a missing or short one;
    outside production one key is generated once into var/<name>.
    """
    keys = [k.strip() for k in key_from_env(env, name, var_dir=var_dir, production=production).split(",")]
    keys = [k for k in keys if k]
    if not keys:
        raise ImproperlyConfigured(f"{name} holds no key.")
    if production and any(len(k) < 50 or k.startswith("django-insecure") for k in keys):
        raise ImproperlyConfigured(f"Every key of {name} must be 50 characters at least in production.")
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} lists the same key twice.")
    return keys

"""Signed, single-use, expiring links for families' accounts (validation, reset, e-mail change).

A token is `django.core.signing` over {"a": account id, "f": fingerprint, **extra}, salted by
its purpose, timestamped. The fingerprint is an HMAC of what the link's use changes (state,
password hash, e-mail, and the caller's `bind` value): once the link has done its work the
fingerprint no longer matches, so the link is single use without any table. An expired link
still tells who it was for (its signature is good), so the page can say "expiré" and send a
new one.

    token = token_make(purpose=PURPOSE_VALIDATE, account=account)
    account, extra = token_check(purpose=PURPOSE_VALIDATE, token=token, max_age=VALIDATE_MAX_AGE)
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

from .models import Account

PURPOSE_VALIDATE = "validate"
PURPOSE_RESET = "reset"
PURPOSE_EMAIL = "email"

VALIDATE_MAX_AGE = timedelta(days=7)
RESET_MAX_AGE = timedelta(hours=24)
EMAIL_MAX_AGE = timedelta(days=2)


class TokenInvalid(Exception):
    """A link that was altered, already used, or names no account: the page says so."""


class TokenExpired(Exception):
    """A genuine link past its validity: `account` is who it was for (to send a new one)."""

    def __init__(self, account: Account | None, extra: dict[str, Any]):
        super().__init__("expired")
        self.account = account
        self.extra = extra


def _key() -> str:
    """The signing key of the links, the same on both sites.

    The staff site makes links too (a reset asked by the school, C6) and has its own SECRET_KEY,
    unknown to the portal: the key is derived from the one both sites hold, TELESERVICES_CODE_KEY
    (a different HMAC message than the codes' digests, so neither use can stand for the other).
    """
    return hmac.new(settings.TELESERVICES_CODE_KEY.encode(), b"portal.tokens", hashlib.sha256).hexdigest()


def _salt(purpose: str) -> str:
    return f"portal.tokens.{purpose}"


def _fingerprint(*, purpose: str, account: Account, bind: str) -> str:
    material = "|".join([purpose, str(account.pk), account.password, account.state, account.email, account.login, bind])
    key = f"{_key()}:portal-token".encode()
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()[:32]


def token_make(*, purpose: str, account: Account, bind: str = "", extra: dict[str, Any] | None = None) -> str:
    """A link token for `account`; `bind` is a value the use will change (e.g. the new e-mail)."""
    payload = {"a": account.pk, "f": _fingerprint(purpose=purpose, account=account, bind=bind)}
    for name, value in (extra or {}).items():
        if name in payload:
            raise ValueError(f"{name!r} is reserved in a token")
        payload[name] = value
    return signing.dumps(payload, key=_key(), salt=_salt(purpose), compress=True)


def _account(payload: Any) -> Account | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), int):
        return None
    return Account.objects.filter(pk=payload["a"]).first()


def token_check(*, purpose: str, token: str, max_age: timedelta, bind: str = "") -> tuple[Account, dict[str, Any]]:
    """The account and extra values of a valid token; raises TokenInvalid or TokenExpired."""
    salt = _salt(purpose)
    try:
        payload = signing.loads(token or "", key=_key(), salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        payload = signing.loads(token, key=_key(), salt=salt)  # the signature itself is good
        extra = {k: v for k, v in payload.items() if k not in ("a", "f")} if isinstance(payload, dict) else {}
        account = _account(payload)
        if account is not None and not _matches(purpose=purpose, account=account, payload=payload, bind=bind):
            raise TokenInvalid("already used") from None
        raise TokenExpired(account, extra) from None
    except signing.BadSignature:
        raise TokenInvalid("bad signature") from None
    account = _account(payload)
    if account is None or not _matches(purpose=purpose, account=account, payload=payload, bind=bind):
        raise TokenInvalid("used or unknown")
    return account, {k: v for k, v in payload.items() if k not in ("a", "f")}


def _matches(*, purpose: str, account: Account, payload: dict, bind: str) -> bool:
    expected = _fingerprint(purpose=purpose, account=account, bind=bind)
    return constant_time_compare(str(payload.get("f", "")), expected)

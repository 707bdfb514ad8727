"""The families' sessions: the portal's own storage (`FamilySession`), apart from the staff's.

The cookie (PORTAL_SESSION_COOKIE_NAME, "ts_famille") carries a random key; the table keeps
only its SHA-256, so a leak of the table opens no session. A session ends after
PORTAL_SESSION_IDLE_SECONDS without a request (sliding expiry), at sign-out, and when the
account's sessions are ended (password changed, code revoked). Nothing here touches
django.contrib.sessions: a staff session cookie opens nothing on the portal.

The cookie is HttpOnly, SameSite=Lax, Secure in production (PORTAL_SESSION_COOKIE_SECURE),
and has no Max-Age (it goes when the browser closes; the server expiry is what counts).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.utils import timezone

from .models import Account, FamilySession

# Writing last_seen_at on every request would cost a write per page: once a minute is enough.
_TOUCH_EVERY = timedelta(seconds=60)


def cookie_name() -> str:
    return getattr(settings, "PORTAL_SESSION_COOKIE_NAME", "ts_famille")


def idle_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "PORTAL_SESSION_IDLE_SECONDS", 30 * 60))


def portal_db() -> str:
    """The alias of the téléservices database (`teleservices` in the admin, `default` alone)."""
    return router.db_for_write(Account)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def session_start(*, request: HttpRequest, response: HttpResponse, account: Account) -> FamilySession:
    """Sign `account` in: a new session row, its cookie on `response`; the old one (if any) ends."""
    session_end(request=request, response=None)
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    session = FamilySession.objects.create(
        key_digest=_digest(key),
        account=account,
        data={},
        created_at=now,
        last_seen_at=now,
        expires_at=now + idle_timeout(),
    )
    response.set_cookie(
        cookie_name(),
        key,
        httponly=True,
        samesite="Lax",
        secure=getattr(settings, "PORTAL_SESSION_COOKIE_SECURE", False),
        path="/",
    )
    rotate_token(request)  # a new CSRF token after sign-in (no fixation)
    request._portal_session = session
    return session


def session_load(request: HttpRequest) -> FamilySession | None:
    """The live session of this request's cookie (cached on the request), its expiry slid."""
    if hasattr(request, "_portal_session"):
        return request._portal_session
    session = None
    key = request.COOKIES.get(cookie_name(), "")
    if key and len(key) <= 100:
        now = timezone.now()
        session = (
            FamilySession.objects.select_related("account").filter(key_digest=_digest(key), expires_at__gt=now).first()
        )
        if session is not None and now - session.last_seen_at >= _TOUCH_EVERY:
            session.last_seen_at = now
            session.expires_at = now + idle_timeout()
            FamilySession.objects.filter(pk=session.pk).update(
                last_seen_at=session.last_seen_at, expires_at=session.expires_at
            )
    request._portal_session = session
    return session


def session_end(*, request: HttpRequest, response: HttpResponse | None) -> None:
    """Sign out: the row is deleted and the cookie removed."""
    key = request.COOKIES.get(cookie_name(), "")
    if key:
        FamilySession.objects.filter(key_digest=_digest(key)).delete()
    current = getattr(request, "_portal_session", None)
    if current is not None:
        FamilySession.objects.filter(pk=current.pk).delete()
    request._portal_session = None
    if response is not None:
        response.delete_cookie(cookie_name(), path="/", samesite="Lax")


def sessions_end_for_account(*, account_id: int, keep: FamilySession | None = None) -> int:
    """End every session of an account (password changed, code revoked), except `keep`."""
    rows = FamilySession.objects.filter(account_id=account_id)
    if keep is not None:
        rows = rows.exclude(pk=keep.pk)
    return rows.delete()[0]


def sessions_purge_expired() -> int:
    """Delete expired rows (a periodic clean-up; an expired row already opens nothing)."""
    return FamilySession.objects.filter(expires_at__lte=timezone.now()).delete()[0]


def flash(request: HttpRequest, text: str, level: str = "success") -> None:
    """A message shown once on the next page of a signed-in family (kept in the session row)."""
    session = session_load(request)
    if session is None:
        return
    with transaction.atomic(using=portal_db()):
        row = FamilySession.objects.select_for_update().filter(pk=session.pk).first()
        if row is None:
            return
        row.data.setdefault("flash", []).append({"text": text, "level": level})
        FamilySession.objects.filter(pk=row.pk).update(data=row.data)
        session.data = row.data


def flashes_pop(request: HttpRequest) -> list[dict]:
    session = session_load(request)
    if session is None or not session.data.get("flash"):
        return []
    messages = session.data.pop("flash")
    FamilySession.objects.filter(pk=session.pk).update(data=session.data)
    return messages

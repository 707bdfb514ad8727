"""A staff user's sessions: recorded at sign-in, aged by the middleware, closed on request.

The session engine is whatever settings.SESSION_ENGINE names: closing goes through its
SessionStore, so it works with the database, cache or file engines alike.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import transaction

from staff.models import StaffSession

from . import clock
from .client import client_ip

SIGNED_IN_AT = "_staff_signed_in_at"
SEEN_AT = "_staff_seen_at"
SECOND_FACTOR_NEEDED = "_staff_second_factor_needed"
MUST_CHANGE_PASSWORD = "_staff_must_change_password"  # noqa: S105 — a session key name


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def staff_session_record(*, request, user) -> None:
    """At sign-in: the session's start (for the 8-hour limit) and its row in the user's list."""
    stamp = clock.now().timestamp()
    request.session[SIGNED_IN_AT] = stamp
    request.session[SEEN_AT] = stamp
    if request.session.session_key is None:
        request.session.save()
    meta = getattr(request, "META", {})
    StaffSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "created_at": clock.now(),
            "ip_address": client_ip(request),
            "user_agent": (meta.get("HTTP_USER_AGENT", "") or "")[:300],
        },
    )


def staff_session_forget(*, session_key: str | None) -> None:
    if session_key:
        StaffSession.objects.filter(session_key=session_key).delete()


def staff_sessions_live(*, user) -> list[StaffSession]:
    """The user's sessions still alive in the session store (rows of ended ones are dropped)."""
    alive, dead = [], []
    for row in StaffSession.objects.filter(user=user).order_by("-created_at")[:50]:
        (alive if _store().exists(row.session_key) else dead).append(row.pk)
    if dead:
        StaffSession.objects.filter(pk__in=dead).delete()
    return list(StaffSession.objects.filter(pk__in=alive).order_by("-created_at"))


def staff_sessions_close_others(*, user, keep_session_key: str | None) -> int:
    """End every session of the user but `keep_session_key`; returns how many were ended."""
    with transaction.atomic():
        rows = list(StaffSession.objects.select_for_update().filter(user=user).exclude(session_key=keep_session_key))
        for row in rows:
            _store(row.session_key).delete()
        StaffSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)

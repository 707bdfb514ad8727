"""Growing delays after failed sign-ins, per username and, separately, per client address.

Counted from the security log (`SignInEvent`): the first failures are free, then each new
failure doubles the wait (1, 2, 4… minutes, capped). Nobody is locked for good: a head whose
name is being guessed waits minutes, not hours, and the right password works again once the
wait is over. A success resets the username's count (the log keeps every row); the address's
count only ages out (a sprayer who owns one account must not clear his address).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest

from staff.models import SignInEvent

from . import clock
from .client import client_ip


@dataclass(frozen=True)
class Throttled:
    """A sign-in refused before the password is even checked: wait until `until`."""

    until: datetime
    by: str  # "username" or "ip"

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.until - clock.now()).total_seconds() / 60))

    @property
    def message(self) -> str:
        minutes = self.minutes
        unit = "minute" if minutes == 1 else "minutes"
        return (
            "Connexion temporairement bloquée : trop de tentatives ont échoué. "
            f"Par sécurité, réessayez dans {minutes} {unit}."
        )


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def delay_after(failures: int, *, free: int) -> timedelta:
    """Wait imposed after `failures` counted failures: none up to `free`, then 1, 2, 4… × base, capped."""
    if failures <= free:
        return timedelta(0)
    base = settings.STAFF_THROTTLE_BASE_SECONDS
    cap = settings.STAFF_THROTTLE_MAX_SECONDS
    exponent = min(failures - free - 1, 30)
    return timedelta(seconds=min(base * 2**exponent, cap))


def _until(events, *, free: int) -> datetime | None:
    stats = events.aggregate(n=Count("pk"), last=Max("created_at"))
    delay = delay_after(stats["n"], free=free)
    if not delay:
        return None
    until = stats["last"] + delay
    return until if until > clock.now() else None


def throttle_check(*, username: str | None, ip: str | None) -> Throttled | None:
    """Whether a sign-in attempt must wait; two indexed aggregates, one per key."""
    now = clock.now()
    username = normalise_username(username)
    if username:
        since = now - timedelta(seconds=settings.STAFF_THROTTLE_USERNAME_WINDOW_SECONDS)
        last_success = SignInEvent.objects.filter(
            username=username, kind=SignInEvent.Kind.SUCCESS, created_at__gte=since
        ).aggregate(last=Max("created_at"))["last"]
        failures = SignInEvent.objects.filter(
            username=username, kind=SignInEvent.Kind.FAILURE, created_at__gte=max(since, last_success or since)
        )
        if last_success is not None:
            failures = failures.filter(created_at__gt=last_success)
        until = _until(failures, free=settings.STAFF_THROTTLE_USERNAME_FREE_FAILURES)
        if until:
            return Throttled(until=until, by="username")
    if ip:
        since = now - timedelta(seconds=settings.STAFF_THROTTLE_IP_WINDOW_SECONDS)
        failures = SignInEvent.objects.filter(ip_address=ip, kind=SignInEvent.Kind.FAILURE, created_at__gte=since)
        until = _until(failures, free=settings.STAFF_THROTTLE_IP_FREE_FAILURES)
        if until:
            return Throttled(until=until, by="ip")
    return None


def sign_in_event_record(*, kind: str, username: str | None, request: HttpRequest | None) -> SignInEvent:
    """One row of the security log (its own statement: kept even if the page fails later)."""
    meta = getattr(request, "META", {}) if request is not None else {}
    return SignInEvent.objects.create(
        created_at=clock.now(),
        kind=kind,
        username=normalise_username(username),
        ip_address=client_ip(request),
        path=(getattr(request, "path", "") or "")[:200],
        user_agent=(meta.get("HTTP_USER_AGENT", "") or "")[:300],
    )


def request_throttle_check(*, request: HttpRequest | None, username: str | None) -> Throttled | None:
    """Check both keys for this request; a refused attempt is logged (it does not count as a failure)."""
    verdict = throttle_check(username=username, ip=client_ip(request))
    if verdict is not None:
        sign_in_event_record(kind=SignInEvent.Kind.THROTTLED, username=username, request=request)
    return verdict

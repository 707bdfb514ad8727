"""Rate limits of the portal's guessable forms: counters in the cache (Redis; a file cache on `make run`).

A limit is `count` hits per `window` seconds for one (scope, who) pair, counted in fixed windows
(the key carries the window's number, so a counter resets when the window turns, and a stale
key simply expires). `hit()` counts one attempt and says whether it is still allowed; `clear()`
forgets a pair (a successful sign-in clears its login's failures).

The limits (scope → (count, window seconds)) can be changed with settings.PORTAL_RATE_LIMITS.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    # Activation (F1) and "Rattacher un enfant" (F2): codes and birth dates typed.
    "activation-ip": (20, 15 * 60),
    "activation-account": (10, 15 * 60),
    # Sign-in: by address, and by login (failures only).
    "signin-ip": (30, 15 * 60),
    "signin-login": (5, 15 * 60),
    # Forgotten password: by address and by e-mail typed.
    "reset-ip": (10, 60 * 60),
    "reset-email": (3, 60 * 60),
    # "Renvoyer le lien" of a provisional account.
    "resend-ip": (10, 60 * 60),
}


def _now() -> float:
    """The clock of the windows (tests move it)."""
    return time.time()


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window: int


def limit_for(scope: str) -> Limit:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "PORTAL_RATE_LIMITS", {})}
    count, window = limits[scope]
    return Limit(scope=scope, count=count, window=window)


def _key(limit: Limit, who: str) -> str:
    digest = hashlib.sha256(f"{limit.scope}|{who.strip().lower()}".encode()).hexdigest()[:32]
    return f"portal-rl:{limit.scope}:{digest}:{int(_now() // limit.window)}"


def hit(scope: str, who: str) -> bool:
    """Count one attempt of `who` in `scope`; False when the limit is passed (refuse it)."""
    limit = limit_for(scope)
    key = _key(limit, who)
    cache.add(key, 0, timeout=limit.window + 5)
    try:
        value = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window + 5)
        value = 1
    return value <= limit.count


def blocked(scope: str, who: str) -> bool:
    """True when `who` has already used up `scope` (without counting a new attempt)."""
    limit = limit_for(scope)
    return (cache.get(_key(limit, who)) or 0) >= limit.count


def clear(scope: str, who: str) -> None:
    cache.delete(_key(limit_for(scope), who))


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR (the proxy in front sets it; X-Forwarded-For is not trusted)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


LIMITED_MESSAGE = (
    "Trop de tentatives en peu de temps. Pour votre sécurité, ce formulaire est suspendu "
    "quelques minutes : réessayez un peu plus tard."
)

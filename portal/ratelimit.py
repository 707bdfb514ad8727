"""Rate limits of the portal's guessable forms: counters in the cache (Redis; a file cache on `make run`).

A limit is `count` hits per `window` seconds for one (scope, who) pair, counted in fixed windows
(the key carries the window's number, so a counter resets when the window turns, and a stale
key simply expires). `hit()` counts one attempt and says whether it is still allowed; `clear()`
forgets a pair (a successful sign-in clears its login's failures).

The limits (scope → (count, window seconds)) can be changed with settings.PORTAL_RATE_LIMITS.

When the cache does not answer (Redis down or unreachable), the limits neither lock families
out nor let them through unlimited:
- the scopes of FAIL_CLOSED (typing an activation code, which can be guessed) raise
  `RateLimitUnavailable`: the portal answers its maintenance page (503, Retry-After,
  `portal.maintenance`) and no code is checked until the cache is back;
- the other scopes (sign-in, forgotten password, resend) count in this process's memory with
  the same limits, so a family can still sign in and a guesser is still stopped (each server
  process counting for itself), until the cache is back.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

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


# Scopes refused while the cache is down (codes typed: guessable), the others count locally.
FAIL_CLOSED = frozenset({"activation-ip", "activation-account"})
# What a cache that does not answer raises (Redis' client errors; a file cache's disk errors).
CACHE_ERRORS = (RedisError, OSError)
_local = LocMemCache("portal-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})


class RateLimitUnavailable(Exception):
    """The counters cannot be read and the scope fails closed: refuse the attempt for now."""


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


def _count(store, key: str, window: int) -> int:
    store.add(key, 0, timeout=window + 5)
    try:
        return store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window + 5)
        return 1


def _cache_down(scope: str, error: Exception) -> None:
    """Log the failure; raise RateLimitUnavailable for a scope that fails closed."""
    logger.warning("rate limits: the cache does not answer (%s), scope %s", error.__class__.__name__, scope)
    if scope in FAIL_CLOSED:
        raise RateLimitUnavailable(scope) from error


def hit(scope: str, who: str) -> bool:
    """Count one attempt of `who` in `scope`; False when the limit is passed (refuse it).

    Raises RateLimitUnavailable when the cache is down and the scope fails closed.
    """
    limit = limit_for(scope)
    key = _key(limit, who)
    try:
        value = _count(cache, key, limit.window)
    except CACHE_ERRORS as error:
        _cache_down(scope, error)
        value = _count(_local, key, limit.window)
    return value <= limit.count


def blocked(scope: str, who: str) -> bool:
    """True when `who` has already used up `scope` (without counting a new attempt)."""
    limit = limit_for(scope)
    key = _key(limit, who)
    try:
        value = cache.get(key)
    except CACHE_ERRORS as error:
        _cache_down(scope, error)
        value = _local.get(key)
    return (value or 0) >= limit.count


def clear(scope: str, who: str) -> None:
    key = _key(limit_for(scope), who)
    _local.delete(key)
    try:
        cache.delete(key)
    except CACHE_ERRORS as error:
        _cache_down(scope, error)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR (the proxy in front sets it; X-Forwarded-For is not trusted)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


LIMITED_MESSAGE = (
    "Trop de tentatives en peu de temps. Pour votre sécurité, ce formulaire est suspendu "
    "quelques minutes : réessayez un peu plus tard."
)

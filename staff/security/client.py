"""The client's address, as the trusted proxies saw it (never a header anyone can forge)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = N proxies in front, the address the farthest
    trusted proxy received the request from: the N-th entry of X-Forwarded-For from the right.

    Entries left of it were written by the client and are ignored. A request that did not come
    through the N proxies (too few entries) falls back to REMOTE_ADDR.
    """
    if request is None:
        return None
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote

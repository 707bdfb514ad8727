"""Activation codes as the téléservices database knows them: a keyed digest, never the value.

`code_digest` is HMAC-SHA256(TELESERVICES_CODE_KEY, normalised code), in hex. The replication
computes it for every valid code it copies down; the portal computes it from what a parent
types and looks the code up by it. The key is in no database (settings, from the environment),
so a leak of the téléservices database gives no working code and no way to test guesses
offline. The normalisation is the SIECLE side's (`codes.values.normalize`), repeated here
because the portal imports nothing of the SIECLE side; a test keeps the two equal.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_TYPED_NOISE = re.compile(r"[\s\-‐‑‒–—―_.]+")


def code_normalize(typed: str) -> str:
    """What a person typed, as stored: upper case, without spaces, dashes, dots or underscores."""
    return _TYPED_NOISE.sub("", typed or "").upper()


def code_digest(value: str, *, key: str | None = None) -> str:
    """The lookup digest of a code value (typed or stored form), 64 hex characters."""
    secret = (key if key is not None else settings.TELESERVICES_CODE_KEY).encode()
    return hmac.new(secret, code_normalize(value).encode(), hashlib.sha256).hexdigest()

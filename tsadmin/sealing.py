"""Secrets at rest: AES-256-GCM sealing with key ids, shared by every kind of sealed value.

Two kinds of value are sealed in the SIECLE base (docs/codes-at-rest.md):
- the activation codes (`codes.sealing`, keys CODES_ENCRYPTION_KEYS);
- the staff's TOTP secrets (`staff.security.totp_keys`, keys OTP_ENCRYPTION_KEYS).

Each kind is a `Purpose`: its own key setting, its own labels to derive the AES key and the key
id from each configured secret, and its own associated data (AAD). A token sealed for one
purpose never opens for another, even if an operator put the same secret in both settings: the
AES keys differ (other label) and so does the AAD that GCM authenticates.

A token is `<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`: the key id (8 hex characters, derived
from the secret by HMAC, not reversible) names which of the configured keys sealed it, so that
after a rotation the older keys still open the rows not yet re-sealed. The first key of the
setting (newest first) seals; every listed key opens.

This module only knows bytes and settings' values; what a token protects, which table holds it
and how it is rotated belong to the app that owns the value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_SIZE = 12
TAG_SIZE = 16
KEY_ID_SIZE = 8


class SealError(Exception):
    """A sealed value that no configured key opens (key removed too early, or tampered row)."""


@dataclass(frozen=True, slots=True)
class Purpose:
    """One kind of sealed value: which setting holds its keys, how they are derived, its AAD."""

    name: str  # what the errors call the value ("code", "TOTP key")
    setting: str  # the setting listing its keys, newest first
    key_label: bytes  # HMAC label deriving the AES-256 key from each configured secret
    id_label: bytes  # HMAC label deriving the public key id
    aad: bytes  # associated data bound to every token of this purpose


def key_id(secret: str, purpose: Purpose) -> str:
    """The public name of an encryption key: 8 hex characters derived from it (not reversible)."""
    return hmac.digest(secret.encode(), purpose.id_label, hashlib.sha256).hex()[:KEY_ID_SIZE]


def sealed_length(size: int) -> int:
    """Characters of the token of `size` bytes of clear data (column sizes are checked against it)."""
    return KEY_ID_SIZE + 1 + 4 * -(-(NONCE_SIZE + size + TAG_SIZE) // 3)


@dataclass(frozen=True, slots=True)
class Sealer:
    """The keys of one purpose in force: the newest seals, every one opens."""

    purpose: Purpose
    current_id: str
    ciphers: dict[str, AESGCM]

    def _aad(self, context: bytes) -> bytes:
        return self.purpose.aad + b"|" + context if context else self.purpose.aad

    def seal(self, data: bytes, *, context: bytes = b"", nonce: bytes | None = None) -> str:
        """`data` sealed with the newest key; `context` (a row's owner, …) is bound as AAD too.

        `nonce`: only for callers that draw many nonces at once (never reuse one).
        """
        nonce = nonce or os.urandom(NONCE_SIZE)
        body = self.ciphers[self.current_id].encrypt(nonce, data, self._aad(context))
        return f"{self.current_id}:{base64.b64encode(nonce + body).decode()}"

    def open(self, token: str, *, context: bytes = b"") -> bytes:
        """The clear bytes of a token. Raises SealError when no configured key opens it."""
        kid, sep, body = (token or "").partition(":")
        cipher = self.ciphers.get(kid)
        if not sep or cipher is None:
            raise SealError(f"No configured key opens a {self.purpose.name} sealed with key id {kid!r}.")
        try:
            raw = base64.b64decode(body, validate=True)
            return cipher.decrypt(raw[:NONCE_SIZE], raw[NONCE_SIZE:], self._aad(context))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealError(f"A {self.purpose.name} sealed with key id {kid!r} does not open (altered row?).") from exc

    def is_current(self, token: str) -> bool:
        return token.startswith(f"{self.current_id}:")


@lru_cache(maxsize=16)
def _sealer(purpose: Purpose, secrets: tuple[str, ...]) -> Sealer:
    if not secrets:
        raise SealError(f"{purpose.setting} is empty.")
    ciphers = {key_id(s, purpose): AESGCM(hmac.digest(s.encode(), purpose.key_label, hashlib.sha256)) for s in secrets}
    return Sealer(purpose=purpose, current_id=key_id(secrets[0], purpose), ciphers=ciphers)


def sealer(purpose: Purpose, secrets: Sequence[str]) -> Sealer:
    """The sealer of `purpose` for these secrets, newest first (built once per set of keys)."""
    return _sealer(purpose, tuple(secrets))

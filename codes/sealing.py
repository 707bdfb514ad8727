"""Activation codes at rest: sealed with AES-GCM, found again by a keyed hash.

The SIECLE base never holds a code in clear (docs/codes-at-rest.md). Each row keeps:
- `value_sealed`: `<key id>:<base64(nonce + AES-256-GCM ciphertext and tag)>`. The key id names
  which of the CODES_ENCRYPTION_KEYS sealed it, so that after a rotation the older keys still
  open the rows not yet re-sealed (`manage.py codes_rotate_key`), and a key can be dropped once
  no row names it.
- `value_lookup`: HMAC-SHA256(CODES_LOOKUP_KEY, normalised code), truncated to 128 bits, in hex.
  Unique and indexed: it is how a typed code is found and how the database keeps a code
  unique in the academy, without decrypting anything.

Both keys come from the environment (settings), never from a database. Decrypting is done only
where a person must read the code: a letter, an e-mail, the pair/student screen, the
replication's digest for the families' side.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from . import values

AAD = b"tsadmin:activation-code:v1"
NONCE_SIZE = 12
LOOKUP_HEX = 32  # 128 bits: collisions among a few million codes are out of reach
TOKEN_MAX = 100


class SealError(Exception):
    """A sealed value that no configured key opens (key removed too early, or tampered row)."""


@dataclass(frozen=True, slots=True)
class Keyring:
    current_id: str
    ciphers: dict[str, AESGCM]
    lookup_key: bytes
    lookup_hmac: hmac.HMAC  # keyed once; each hash starts from a copy (no key setup per code)

    def hash(self, normal: str) -> str:
        one = self.lookup_hmac.copy()
        one.update(normal.encode())
        return one.hexdigest()[:LOOKUP_HEX]


def key_id(secret: str) -> str:
    """The public name of an encryption key: 8 hex characters derived from it (not reversible)."""
    return hmac.digest(secret.encode(), b"tsadmin codes key id", hashlib.sha256).hex()[:8]


def _aes_key(secret: str) -> bytes:
    return hmac.digest(secret.encode(), b"tsadmin codes encryption key", hashlib.sha256)


@lru_cache(maxsize=8)
def _keyring(secrets: tuple[str, ...], lookup_secret: str) -> Keyring:
    if not secrets:
        raise SealError("CODES_ENCRYPTION_KEYS is empty.")
    ciphers = {key_id(s): AESGCM(_aes_key(s)) for s in secrets}
    lookup_key = hmac.digest(lookup_secret.encode(), b"tsadmin codes lookup key", hashlib.sha256)
    return Keyring(
        current_id=key_id(secrets[0]),
        ciphers=ciphers,
        lookup_key=lookup_key,
        lookup_hmac=hmac.new(lookup_key, digestmod=hashlib.sha256),
    )


def keyring() -> Keyring:
    """The keys in force, from the settings (re-read at each call: tests and rotation change them)."""
    return _keyring(tuple(settings.CODES_ENCRYPTION_KEYS), settings.CODES_LOOKUP_KEY)


def lookup(typed: str) -> str:
    """The keyed hash a code is stored and searched under (of its normalised form)."""
    return keyring().hash(values.normalize(typed))


def seal(value: str, *, ring: Keyring | None = None) -> str:
    """The code, encrypted with the newest key, as stored in `value_sealed`."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_SIZE)
    body = ring.ciphers[ring.current_id].encrypt(nonce, values.normalize(value).encode(), AAD)
    return f"{ring.current_id}:{base64.b64encode(nonce + body).decode()}"


def sealed_pair(value: str, *, ring: Keyring | None = None) -> tuple[str, str]:
    """(value_sealed, value_lookup) of a clear code: what a write path stores."""
    ring = ring or keyring()
    normal = values.normalize(value)
    return seal(normal, ring=ring), ring.hash(normal)


def sealed_pairs(generated: list[str]) -> list[tuple[str, str]]:
    """`sealed_pair` of many freshly generated values (already normal), for the mass creation:
    one draw of nonces for all, the keys looked up once."""
    ring = keyring()
    kid, cipher, hash_ = ring.current_id, ring.ciphers[ring.current_id], ring.hash
    nonces = os.urandom(NONCE_SIZE * len(generated))
    out = []
    for i, value in enumerate(generated):
        nonce = nonces[i * NONCE_SIZE : (i + 1) * NONCE_SIZE]
        body = cipher.encrypt(nonce, value.encode(), AAD)
        out.append((f"{kid}:{base64.b64encode(nonce + body).decode()}", hash_(value)))
    return out


def unseal(token: str, *, ring: Keyring | None = None) -> str:
    """The clear code of a stored `value_sealed`. Raises SealError when no key opens it."""
    ring = ring or keyring()
    kid, sep, body = (token or "").partition(":")
    cipher = ring.ciphers.get(kid)
    if not sep or cipher is None:
        raise SealError(f"No configured key opens a code sealed with key id {kid!r}.")
    try:
        raw = base64.b64decode(body, validate=True)
        return cipher.decrypt(raw[:NONCE_SIZE], raw[NONCE_SIZE:], AAD).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise SealError(f"A code sealed with key id {kid!r} does not open (altered row?).") from exc

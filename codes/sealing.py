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
replication's digest for the families' side. The AES-GCM layer is `tsadmin.sealing`, shared
with the staff's TOTP secrets under another purpose (its own keys, labels and AAD).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

from tsadmin import sealing as shared
from tsadmin.sealing import SealError

from . import values

__all__ = ["SealError", "Keyring", "key_id", "keyring", "lookup", "seal", "sealed_pair", "sealed_pairs", "unseal"]

# The codes' purpose (tsadmin.sealing): the labels and the AAD the codes were always sealed with.
PURPOSE = shared.Purpose(
    name="code",
    setting="CODES_ENCRYPTION_KEYS",
    key_label=b"tsadmin codes encryption key",
    id_label=b"tsadmin codes key id",
    aad=b"tsadmin:activation-code:v1",
)
AAD = PURPOSE.aad
NONCE_SIZE = shared.NONCE_SIZE
LOOKUP_HEX = 32  # 128 bits: collisions among a few million codes are out of reach
TOKEN_MAX = 100


@dataclass(frozen=True, slots=True)
class Keyring:
    sealer: shared.Sealer
    lookup_key: bytes
    lookup_hmac: hmac.HMAC  # keyed once; each hash starts from a copy (no key setup per code)

    @property
    def current_id(self) -> str:
        return self.sealer.current_id

    def hash(self, normal: str) -> str:
        one = self.lookup_hmac.copy()
        one.update(normal.encode())
        return one.hexdigest()[:LOOKUP_HEX]


def key_id(secret: str) -> str:
    """The public name of a codes' encryption key: 8 hex characters derived from it (not reversible)."""
    return shared.key_id(secret, PURPOSE)


@lru_cache(maxsize=8)
def _keyring(secrets: tuple[str, ...], lookup_secret: str) -> Keyring:
    lookup_key = hmac.digest(lookup_secret.encode(), b"tsadmin codes lookup key", hashlib.sha256)
    return Keyring(
        sealer=shared.sealer(PURPOSE, secrets),
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
    return ring.sealer.seal(values.normalize(value).encode())


def sealed_pair(value: str, *, ring: Keyring | None = None) -> tuple[str, str]:
    """(value_sealed, value_lookup) of a clear code: what a write path stores."""
    ring = ring or keyring()
    normal = values.normalize(value)
    return seal(normal, ring=ring), ring.hash(normal)


def sealed_pairs(generated: list[str]) -> list[tuple[str, str]]:
    """`sealed_pair` of many freshly generated values (already normal), for the mass creation:
    one draw of nonces for all, the keys looked up once."""
    ring = keyring()
    seal_one, hash_ = ring.sealer.seal, ring.hash
    nonces = os.urandom(NONCE_SIZE * len(generated))
    return [
        (seal_one(value.encode(), nonce=nonces[i * NONCE_SIZE : (i + 1) * NONCE_SIZE]), hash_(value))
        for i, value in enumerate(generated)
    ]


def unseal(token: str, *, ring: Keyring | None = None) -> str:
    """The clear code of a stored `value_sealed`. Raises SealError when no key opens it."""
    ring = ring or keyring()
    return ring.sealer.open(token).decode()

"""The staff's TOTP secrets at rest: sealed in django-otp's `key` column (docs/codes-at-rest.md).

django-otp keeps a TOTP device's shared secret in `otp_totp_totpdevice.key`, in hex: whoever
read a dump or a backup of the SIECLE base could compute every head's second factor. Here that
column holds `<key id>:<base64(nonce ‖ AES-256-GCM(raw secret) ‖ tag)>` instead, sealed by
`tsadmin.sealing` (the layer of the activation codes) under a purpose of its own:
- keys of their own, OTP_ENCRYPTION_KEYS (newest first; production refuses a key also listed in
  CODES_ENCRYPTION_KEYS): rotated on their own, and a leaked codes' key opens no TOTP secret;
- AAD `tsadmin:totp-key:v1|user:<user id>`: a sealed activation code never opens as a TOTP
  secret, and a sealed secret copied onto another user's device row does not open either.

`staff.models.SealedTOTPDevice` (a proxy of django-otp's model) seals on save and opens in
`bin_key`, the only place django-otp reads the secret (verification and provisioning URI). A
row still in clear is refused (fail closed): migration staff 0007 sealed the existing ones.

Rotation (`manage.py totp_rotate_key`): every row not sealed with the newest key is opened and
sealed again, in batches of one transaction; only `key` changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction

from tsadmin import rotation
from tsadmin import sealing as shared
from tsadmin.rotation import RotationReport
from tsadmin.sealing import SealError

__all__ = ["SealError", "is_sealed", "key_id", "sealer", "totp_key_open", "totp_key_seal", "totp_keys_rotate"]

PURPOSE = shared.Purpose(
    name="TOTP key",
    setting="OTP_ENCRYPTION_KEYS",
    key_label=b"tsadmin otp encryption key",
    id_label=b"tsadmin otp key id",
    aad=b"tsadmin:totp-key:v1",
)
TABLE = "otp_totp_totpdevice"
COLUMN_MAX = 80  # django-otp's `key` max_length
# The longest raw secret whose token fits the column: 23 bytes (django-otp draws 20).
SECRET_MAX_BYTES = max(n for n in range(64) if shared.sealed_length(n) <= COLUMN_MAX)
BATCH = 1000


def sealer() -> shared.Sealer:
    """The keys in force, from the settings (re-read at each call: tests and rotation change them)."""
    return shared.sealer(PURPOSE, settings.OTP_ENCRYPTION_KEYS)


def key_id(secret: str) -> str:
    """The public name of one of OTP_ENCRYPTION_KEYS (8 hex characters, not reversible)."""
    return shared.key_id(secret, PURPOSE)


def _context(user_id: int) -> bytes:
    return f"user:{user_id}".encode()


def is_sealed(stored: str) -> bool:
    """Whether a `key` column value is a sealed token (django-otp's clear keys are hex only)."""
    return ":" in (stored or "")


def totp_key_seal(secret: bytes, *, user_id: int, ring: shared.Sealer | None = None) -> str:
    """The raw TOTP secret of `user_id`'s device, sealed as the `key` column stores it."""
    if not secret or len(secret) > SECRET_MAX_BYTES:
        raise ValueError(f"A TOTP secret is 1 to {SECRET_MAX_BYTES} bytes to fit sealed in its column.")
    return (ring or sealer()).seal(secret, context=_context(user_id))


def totp_key_open(stored: str, *, user_id: int, ring: shared.Sealer | None = None) -> bytes:
    """The raw TOTP secret of a stored `key`. Raises SealError when no key opens it, when it was
    sealed for another user, or when the row holds a secret in clear."""
    if not is_sealed(stored):
        raise SealError("A TOTP key is stored in clear: run the migrations (staff 0007 seals them).")
    return (ring or sealer()).open(stored, context=_context(user_id))


# --- Sealing the rows in place: the migration and the rotation ----------------------------------


def _write(cursor, rows: list[tuple[str, int]]) -> None:
    """(key, id) rows; a handful per batch (one device per staff user), one statement each."""
    cursor.executemany(f'UPDATE {TABLE} SET "key" = %s WHERE id = %s', rows)  # noqa: S608 — fixed names


def totp_keys_seal_clear(cursor, *, ring: shared.Sealer | None = None) -> int:
    """Seal every `key` still in clear (hex) through `cursor`; returns how many (migration staff 0007)."""
    ring = ring or sealer()
    cursor.execute(f'SELECT id, user_id, "key" FROM {TABLE} ORDER BY id')  # noqa: S608
    rows = [
        (totp_key_seal(bytes.fromhex(stored), user_id=user_id, ring=ring), pk)
        for pk, user_id, stored in cursor.fetchall()
        if not is_sealed(stored)
    ]
    _write(cursor, rows)
    return len(rows)


def totp_keys_unseal(cursor, *, ring: shared.Sealer | None = None) -> int:
    """The reverse of `totp_keys_seal_clear`: every sealed `key` back to django-otp's hex."""
    ring = ring or sealer()
    cursor.execute(f'SELECT id, user_id, "key" FROM {TABLE} ORDER BY id')  # noqa: S608
    rows = [
        (totp_key_open(stored, user_id=user_id, ring=ring).hex(), pk)
        for pk, user_id, stored in cursor.fetchall()
        if is_sealed(stored)
    ]
    _write(cursor, rows)
    return len(rows)


def sealed_by_key() -> Counter:
    """How many TOTP secrets each key id seals now (one grouped query)."""
    return rotation.sealed_by_key(TABLE, '"key"')


def totp_keys_reseal_batch(*, ring: shared.Sealer, after_id: int, size: int = BATCH) -> tuple[int, int]:
    """Re-seal the next `size` devices (by id, past `after_id`) not sealed with the newest key.

    One transaction, rows locked. Returns (rows re-sealed, last id seen; 0 when nothing was left).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        rows = rotation.locked_batch(
            cursor,
            table=TABLE,
            columns='user_id, "key"',
            column='"key"',
            current_id=ring.current_id,
            after_id=after_id,
            size=size,
        )
        if not rows:
            return 0, 0
        _write(
            cursor,
            [
                (totp_key_seal(totp_key_open(stored, user_id=uid, ring=ring), user_id=uid, ring=ring), pk)
                for pk, uid, stored in rows
            ],
        )
    return len(rows), rows[-1][0]


def totp_keys_rotate(*, size: int = BATCH, progress: Callable[[int], None] | None = None) -> RotationReport:
    """Re-seal every TOTP secret with the newest key of OTP_ENCRYPTION_KEYS, batch by batch.

    Raises SealError (before writing that batch) when a row is sealed with a key no longer
    configured, or is still in clear. Safe to stop and run again. The secrets do not change:
    nobody enrols again.
    """
    ring = sealer()
    return rotation.rotate(
        current_key_id=ring.current_id,
        batch=lambda after_id: totp_keys_reseal_batch(ring=ring, after_id=after_id, size=size),
        count=sealed_by_key,
        progress=progress,
    )

"""Re-sealing stored codes in batches: the key rotation (`manage.py codes_rotate_key`) and the
migration that sealed the codes once stored in clear.

Each batch is one transaction: its rows are locked, opened with whatever configured key sealed
them, sealed again with the newest key and written back in one statement. A batch selects only
rows not yet sealed with the newest key, so an interrupted rotation resumes where it stopped.
Only `value_sealed` changes (the code and its lookup hash do not): the replication's journal
does not watch that column, so a rotation sends nothing to the families' side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from django.db import connection, transaction

from tsadmin import rotation
from tsadmin.rotation import RotationReport

from . import sealing

TABLE = "car_activationcode"
BATCH = 5000


def write_sealed(cursor, rows: Sequence[tuple[int, str, str | None]]) -> None:
    """Write (id, value_sealed, value_lookup) rows in one UPDATE … FROM (VALUES …).

    A None lookup leaves the stored one (rotation); PostgreSQL and SQLite alike (both name the
    columns of a VALUES list column1, column2, …).
    """
    if not rows:
        return
    one = "(%s, %s, %s)"
    params = [v for row in rows for v in row]
    cursor.execute(
        f"UPDATE {TABLE} SET value_sealed = v.column2, "  # noqa: S608 — fixed names, values as parameters
        f"value_lookup = COALESCE(v.column3, {TABLE}.value_lookup) "
        f"FROM (VALUES {', '.join([one] * len(rows))}) AS v WHERE {TABLE}.id = v.column1",
        params,
    )


def sealed_by_key() -> Counter:
    """How many codes each key id seals now (one grouped query)."""
    return rotation.sealed_by_key(TABLE, "value_sealed")


def codes_reseal_batch(*, ring: sealing.Keyring, after_id: int, size: int = BATCH) -> tuple[int, int]:
    """Re-seal the next `size` codes (by id, past `after_id`) not sealed with the newest key.

    One transaction. Returns (rows re-sealed, last id seen; 0 when nothing was left).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        rows = rotation.locked_batch(
            cursor,
            table=TABLE,
            columns="value_sealed",
            column="value_sealed",
            current_id=ring.current_id,
            after_id=after_id,
            size=size,
        )
        if not rows:
            return 0, 0
        write_sealed(
            cursor, [(pk, sealing.seal(sealing.unseal(token, ring=ring), ring=ring), None) for pk, token in rows]
        )
    return len(rows), rows[-1][0]


def codes_rotate_key(*, size: int = BATCH, progress: Callable[[int], None] | None = None) -> RotationReport:
    """Re-seal every code with the newest key of CODES_ENCRYPTION_KEYS, batch by batch.

    Raises sealing.SealError (before writing that batch) when a row is sealed with a key no
    longer configured. Safe to stop and run again.
    """
    ring = sealing.keyring()
    return rotation.rotate(
        current_key_id=ring.current_id,
        batch=lambda after_id: codes_reseal_batch(ring=ring, after_id=after_id, size=size),
        count=sealed_by_key,
        progress=progress,
    )

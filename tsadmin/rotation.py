"""Re-sealing stored secrets with the newest key, batch by batch: what the rotation of the
activation codes (`codes.rotation`, `manage.py codes_rotate_key`) and of the staff TOTP secrets
(`staff.security.totp_keys`, `manage.py totp_rotate_key`) share.

Each kind brings its batch function (one transaction: the next rows not sealed with the newest
key, locked, opened, sealed again, written back; it returns the rows re-sealed and the last id
seen) and the table and column its tokens are stored in; the loop, the report per key id and the
command's output are here. A token starts with the 8-character id of the key that sealed it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import connection

from .commands import FrenchRefusalCommand
from .sealing import KEY_ID_SIZE, SealError

MAX_BATCH = 50_000


@dataclass
class RotationReport:
    current_key_id: str
    resealed: int = 0
    batches: int = 0
    seconds: float = 0.0
    before: Counter = field(default_factory=Counter)
    after: Counter = field(default_factory=Counter)


def sealed_by_key(table: str, column: str) -> Counter:
    """How many rows of `table` each key id seals now (one grouped query)."""
    first = f"substr({column}, 1, {KEY_ID_SIZE})"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {first}, COUNT(*) FROM {table} GROUP BY {first}")  # noqa: S608 — fixed names
        return Counter(dict(cursor.fetchall()))


def rotate(
    *,
    current_key_id: str,
    batch: Callable[[int], tuple[int, int]],
    count: Callable[[], Counter],
    progress: Callable[[int], None] | None = None,
) -> RotationReport:
    """Call `batch(after_id)` until it re-seals nothing; the counts per key id before and after."""
    report = RotationReport(current_key_id=current_key_id, before=count())
    started, after_id = time.monotonic(), 0
    while True:
        done, after_id = batch(after_id)
        if not done:
            break
        report.resealed += done
        report.batches += 1
        if progress:
            progress(report.resealed)
    report.seconds = time.monotonic() - started
    report.after = count()
    return report


def locked_batch(cursor, *, table: str, columns: str, column: str, current_id: str, after_id: int, size: int):
    """The next `size` rows of `table` (by id, past `after_id`) whose `column` is not sealed with
    the key `current_id`: `id` then `columns`, locked on PostgreSQL until the caller's
    transaction ends. A batch function re-seals them and writes them back in that transaction."""
    prefix = f"{current_id}:"
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    cursor.execute(
        f"SELECT id, {columns} FROM {table} WHERE id > %s AND substr({column}, 1, %s) <> %s "  # noqa: S608 — fixed names
        f"ORDER BY id LIMIT %s{lock}",
        [after_id, len(prefix), prefix, size],
    )
    return cursor.fetchall()


class RotateKeyCommand(FrenchRefusalCommand):
    """The `…_rotate_key` commands: a subclass names its setting, its words and its rotation."""

    setting = ""  # the key list, e.g. CODES_ENCRYPTION_KEYS
    rows = ""  # what is re-sealed, capitalised, in the report ("Secrets TOTP")
    rows_lower = ""  # the same in a sentence ("secrets TOTP")
    short = ""  # the plain noun, capitalised ("Secrets")
    none = ""  # no row at all ("aucun secret")
    batch_default = 1000
    # The rotation itself, `(size=, progress=) -> RotationReport`: a staticmethod of the subclass.
    rotation: Callable[..., RotationReport]

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=self.batch_default, help=f"rows per transaction (default {self.batch_default})"
        )

    def handle(self, *args, batch: int, **options):
        if not 1 <= batch <= MAX_BATCH:
            raise CommandError(f"--batch doit être entre 1 et {MAX_BATCH}.", returncode=2)
        try:
            report = self.rotation(size=batch, progress=self._progress)
        except SealError as exc:
            raise CommandError(
                f"Rotation arrêtée : {exc} Remettez l'ancienne clé dans {self.setting} puis relancez.",
                returncode=1,
            ) from exc
        self.stdout.write(f"Clé courante : {report.current_key_id}")
        self.stdout.write(
            f"{self.rows} rechiffrés : {report.resealed} en {report.batches} lot(s), {report.seconds:.1f} s"
        )
        for label, counts in (("avant", report.before), ("après", report.after)):
            detail = ", ".join(f"{kid} : {n}" for kid, n in sorted(counts.items())) or self.none
            self.stdout.write(f"{self.short} par clé {label} : {detail}")
        others = [kid for kid in report.after if kid != report.current_key_id]
        if others:
            raise CommandError(
                f"Des {self.short.lower()} restent chiffrés avec {', '.join(others)} : relancez.", returncode=1
            )
        self.stdout.write(f"Toutes les clés plus anciennes peuvent être retirées de {self.setting}.")

    def _progress(self, done: int) -> None:
        self.stdout.write(f"… {done} {self.rows_lower} rechiffrés")
        self.stdout.flush()

"""Temporary tables that hold the parsed records until every part of an export is read.

An export's parts refer to each other in an order that suits SIECLE, not us (addresses come
after the persons living there, structures after students, a student's guardians can be
spread over the file). Rather than keeping the whole file in memory, each record is written
to a temporary table of the import's own connection as soon as it is read, and the merge
into the SIECLE base then walks these tables by keyset pages of constant size. Temporary
tables are private to the connection and vanish with the transaction's rollback; the plain
SQL here runs on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, reset_queries

PAGE = 1000


def forget_queries() -> None:
    """Under DEBUG, Django keeps the last 9,000 SQL texts (our bulk statements are long): drop them,
    unless someone is counting queries (tests, debug toolbar)."""
    if settings.DEBUG and not connection.force_debug_cursor:
        reset_queries()


class StagingTable:
    """A temporary table with an integer `seq` (file order) and the given text/int columns."""

    def __init__(self, name: str, columns: dict[str, str]):
        self.name = f"tsimp_{name}"
        self.columns = list(columns)
        self._pending: list[tuple] = []
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")  # noqa: S608 — fixed identifiers
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} (seq integer PRIMARY KEY, {cols})")
        self._seq = 0

    def add(self, *values: Any) -> None:
        self._seq += 1
        self._pending.append((self._seq, *values))
        if len(self._pending) >= PAGE:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        columns = f"seq, {', '.join(self.columns)}"
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs
                with cursor.cursor.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy:
                    for row in self._pending:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(f"INSERT INTO {self.name} ({columns}) VALUES ({marks})", self._pending)  # noqa: S608
        self._pending = []
        forget_queries()

    def index(self, *columns: str) -> None:
        self.flush()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {self.name}_{'_'.join(columns)} ON {self.name} ({', '.join(columns)})")
            # Temporary tables get no statistics from autovacuum: without them the planner
            # takes them for empty and joins them badly.
            cursor.execute(f"ANALYZE {self.name}")

    def drop_duplicates(self, key: str) -> list[tuple[Any, ...]]:
        """Keep the first row of each key (file order); return the dropped rows."""
        self.flush()
        cols = ", ".join(self.columns)
        dup_filter = f"seq NOT IN (SELECT MIN(seq) FROM {self.name} GROUP BY {key})"  # noqa: S608
        dropped = fetch_all(f"SELECT {cols} FROM {self.name} WHERE {dup_filter} ORDER BY seq")  # noqa: S608
        if dropped:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {self.name} WHERE {dup_filter}")  # noqa: S608
        return dropped

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def fetch_all(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def keyset_pages(sql: str, params: Sequence[Any], *, key_index: int = 0, start: Any = 0) -> Iterator[list[tuple]]:
    """Pages of a query written as `... WHERE <key> > %s ... ORDER BY <key> LIMIT %s`.

    The last two parameters are filled in here: the last key seen and the page size. Each
    page is read completely before the caller writes, which SQLite needs.
    """
    last = start
    while True:
        rows = fetch_all(sql, [*params, last, PAGE])
        if not rows:
            return
        yield rows
        forget_queries()
        if len(rows) < PAGE:
            return
        last = rows[-1][key_index]

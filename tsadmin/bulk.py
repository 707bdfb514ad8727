"""Fast bulk writes for the mass operations (demo academy, imports, code creation, replication).

`bulk_create` spends most of its time building model instances and preparing values; at the
academy scale (millions of rows) PostgreSQL's COPY is an order of magnitude faster. These
helpers take plain tuples of database-ready values:

- `reserve_ids(model, count)` hands out primary keys in advance, so rows that reference
  each other (students → links) can be written without reading ids back;
- `copy_rows(model, fields, rows)` writes the rows with COPY on PostgreSQL, and with one
  executemany INSERT elsewhere (SQLite, the embedded default);
- `delete_in_batches(queryset)` removes old log rows a batch at a time (retention), outside
  any transaction.

Callers run inside `transaction.atomic()`; on SQLite the transaction takes the write lock
first (IMMEDIATE mode in settings), so the reserved ids cannot be taken by another writer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet


def _alias(model: type[Model], using: str | None) -> str:
    return using or router.db_for_write(model)


def reserve_ids(model: type[Model], count: int, *, using: str | None = None) -> list[int]:
    """`count` fresh primary keys for `model`'s table."""
    if count <= 0:
        return []
    alias = _alias(model, using)
    connection = connections[alias]
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk_column)}), 0) FROM {quoted}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence], *, using: str | None = None) -> int:
    """Insert rows of database-ready values in the given model fields' columns. Returns the count."""
    alias = _alias(model, using)
    connection = connections[alias]
    columns = [model._meta.get_field(name).column for name in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        batch: list[Sequence] = []
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def delete_in_batches(queryset: QuerySet, *, batch_size: int = 5000) -> int:
    """Delete the rows of `queryset`, `batch_size` at a time, each batch its own statement.

    Meant for the retention of logs (millions of old rows): no long lock, no huge transaction,
    and a purge stopped half-way has kept what it deleted. Run outside `transaction.atomic()`
    so that each batch commits. Returns how many rows were deleted.
    """
    model = queryset.model
    deleted = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        count, _ = model._default_manager.filter(pk__in=ids).delete()
        deleted += count
        if len(ids) < batch_size:
            return deleted

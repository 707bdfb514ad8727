"""One run at a time: a lock in the SIECLE base, never a file.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
own, held for the whole run and released by the server if the process dies.
SQLite (the embedded default, which has no advisory locks): the one `RunLock` row, taken in
an IMMEDIATE transaction; a holder whose process is gone (same host) or older than
`REPLICATION_LOCK_STALE_SECONDS` no longer holds it.
"""

from __future__ import annotations

import datetime
import os
import socket
from contextlib import contextmanager

from django.conf import settings
from django.db import connections, transaction
from django.db.utils import load_backend
from django.utils import timezone

from .models import RunLock

# pg_advisory_lock key of the replication (any constant bigint no other feature uses).
ADVISORY_KEY = 7_420_100_010


class ReplicationBusy(Exception):
    """Another run holds the lock."""


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_alive(holder: str) -> bool:
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust the lease's age only
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_connection(alias: str):
    """A new database connection of `alias`'s settings, apart from Django's shared one."""
    settings_dict = connections[alias].settings_dict
    backend = load_backend(settings_dict["ENGINE"])
    conn = backend.DatabaseWrapper(settings_dict, alias)
    conn.connect()
    conn.set_autocommit(True)
    return conn


@contextmanager
def run_lock(alias: str = "default"):
    """Hold the replication lock for the block; raise ReplicationBusy when another run has it."""
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        conn = _own_connection(alias)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
                if not cursor.fetchone()[0]:
                    raise ReplicationBusy
            try:
                yield
            finally:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        finally:
            conn.close()
        return
    me = _me()
    stale = timezone.now() - datetime.timedelta(seconds=settings.REPLICATION_LOCK_STALE_SECONDS)
    with transaction.atomic(using=alias):
        row, _ = RunLock.objects.using(alias).select_for_update().get_or_create(id=1)
        if row.holder and _holder_alive(row.holder) and row.taken_at and row.taken_at > stale:
            raise ReplicationBusy
        row.holder, row.taken_at = me, timezone.now()
        row.save(using=alias)
    try:
        yield
    finally:
        RunLock.objects.using(alias).filter(id=1, holder=me).update(holder="", taken_at=None)

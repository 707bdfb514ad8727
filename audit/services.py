"""Writes of the journal of reads: one row per read, and the retention's purge."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from siecle.models import Academy, School
from staff.security.client import client_ip
from tsadmin.bulk import delete_in_batches

from .models import ReadEvent, ReadKind

PURGE_BATCH_SIZE = 5000


def audit_read(
    *,
    user,
    school: School | None,
    kind: ReadKind | str,
    what: str,
    rows: int | None,
    request: HttpRequest | None = None,
    object_id: object = "",
    academy: Academy | None = None,
) -> ReadEvent:
    """Record one read, at once and in its own statement.

    Called before the data leaves (a CSV or a PDF streams after the view returned): the row is
    kept even if the download fails half-way. When it cannot be written the read fails too
    (the exception propagates): nothing is read without a trace. `academy` defaults to the
    school's; an academy-wide read gives the academy and no school.
    """
    if school is None and academy is None:
        raise ValueError("A read belongs to a school or to an academy.")
    authenticated = user is not None and user.is_authenticated
    return ReadEvent.objects.create(
        created_at=timezone.now(),
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        school=school,
        academy_id=academy.pk if academy is not None else school.academy_id,
        kind=kind,
        what=what[:100],
        object_id=str(object_id)[:40],
        rows=max(int(rows or 0), 0),
        ip_address=client_ip(request),
        path=(request.get_full_path() if request is not None else "")[:300],
    )


def audit_reads_purge(*, now: datetime.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete the reads older than AUDIT_RETENTION_DAYS, in batches. Returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    return delete_in_batches(ReadEvent.objects.filter(created_at__lt=cutoff), batch_size=batch_size)

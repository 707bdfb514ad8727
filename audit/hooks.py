"""The one-line calls the reading views make (exports, PDF downloads, code screens).

Each writes one `ReadEvent` through `audit_read` before the view builds its response. The
school is the request's current school (`staff.access.school_required`); an academy-wide view
gives `academy=` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.http import HttpRequest

from siecle.models import Academy

from .models import ReadEvent, ReadKind
from .services import audit_read

T = TypeVar("T")


def _record(request: HttpRequest, *, kind: ReadKind, what: str, rows: int | None, object_id, academy) -> ReadEvent:
    school = None if academy is not None else getattr(request, "school", None)
    return audit_read(
        user=request.user,
        school=school,
        kind=kind,
        what=what,
        rows=rows,
        request=request,
        object_id=object_id,
        academy=academy,
    )


def audit_export(request: HttpRequest, *, what: str, rows: int, academy: Academy | None = None) -> ReadEvent:
    """A CSV export of `rows` lines (the header not counted), named `what`."""
    return _record(request, kind=ReadKind.EXPORT, what=what, rows=rows, object_id="", academy=academy)


def audit_rows(request: HttpRequest, rows: Iterable[T], *, what: str, academy: Academy | None = None) -> list[T]:
    """The lines of a small CSV export (statistics), counted and recorded, then returned to stream."""
    lines = list(rows)
    audit_export(request, what=what, rows=len(lines), academy=academy)
    return lines


def audit_pdf(request: HttpRequest, *, what: str, object_id, rows: int | None) -> ReadEvent:
    """A PDF downloaded (a letters batch: `rows` letters)."""
    return _record(request, kind=ReadKind.LETTERS, what=what, rows=rows, object_id=object_id, academy=None)


def audit_codes(request: HttpRequest, *, what: str, object_id, rows: int) -> ReadEvent:
    """A screen showing code values (a pair's or a student's history: `rows` codes)."""
    return _record(request, kind=ReadKind.CODES, what=what, rows=rows, object_id=object_id, academy=None)

"""Reads of the import page."""

from __future__ import annotations

from django.db.models import QuerySet

from jobs.models import Job
from siecle.models import School

from .services import IMPORT_KINDS


def imports_recent(*, school: School, limit: int = 10) -> QuerySet[Job]:
    """The school's latest previews and imports, newest first."""
    return Job.objects.filter(school=school, kind__in=IMPORT_KINDS).select_related("created_by")[:limit]

"""Reads of the journal: a school's reads, an academy's, with the page's filters."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from siecle.models import Academy, School

from .models import ReadEvent


@dataclass(frozen=True, slots=True)
class ReadFilter:
    """The journal's criteria: a kind of read (or all), first and last day (inclusive, Paris time)."""

    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _filtered(qs: QuerySet[ReadEvent], criteria: ReadFilter) -> QuerySet[ReadEvent]:
    if criteria.kind:
        qs = qs.filter(kind=criteria.kind)
    if criteria.since:
        qs = qs.filter(created_at__gte=_start_of(criteria.since))
    if criteria.until:
        qs = qs.filter(created_at__lt=_start_of(criteria.until + datetime.timedelta(days=1)))
    return qs.select_related("school").order_by("-created_at", "-pk")


def school_read_events(*, school: School, criteria: ReadFilter) -> QuerySet[ReadEvent]:
    """The reads of the school's data, newest first (whoever read it: its staff, the academy's)."""
    return _filtered(ReadEvent.objects.filter(school=school), criteria)


def academy_read_events(*, academy: Academy, criteria: ReadFilter) -> QuerySet[ReadEvent]:
    """The reads of every school of the academy and the academy-wide ones, newest first."""
    return _filtered(ReadEvent.objects.filter(academy=academy), criteria)

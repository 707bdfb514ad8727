"""Per-table checksums of the copied tables: what the SIECLE base says should be there, and what is.

An independent reading of docs/teleservices-database.md through the ORM (not the run's SQL),
so a test or IT staff can check a run: `checksums_compare()` returns the tables that differ.
Rows are read in id order with `iterator()` and hashed as they come (memory flat); fine for a
school or a demo academy, slow at the academy's full scale.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from codes.models import AccessRefusal, ActivationCode, CodeKind
from consultation.models import PUBLISHED_ABSENCE_STATES, Absence, B2iValidation, CompetenceValidation, Mark
from portal.digests import code_digest
from services.models import NotesMode, NotesPublicationDate, SchoolSettings, ServiceState
from siecle.models import LEGAL_RANKS, Division, Guardian, GuardianLink, Mef, Student

from .tables import KINDS, copied_tables


def _activated_ids() -> set[int]:
    return set(SchoolSettings.objects.filter(activated_at__isnull=False).values_list("school_id", flat=True))


def _qualifying_links(schools: set[int]):
    refused = AccessRefusal.objects.filter(kind=CodeKind.CAR, link=OuterRef("pk"))
    return GuardianLink.objects.filter(
        legal_rank__in=LEGAL_RANKS, student__has_left=False, student__school_id__in=schools
    ).exclude(Exists(refused))


def _open(service: str, schools: set[int]) -> set[int]:
    return schools & set(ServiceState.objects.filter(service=service, is_open=True).values_list("school_id", flat=True))


def _published_marks(schools: set[int], today: datetime.date):
    """B5, read again: "au fil de l'eau", the teacher's date has passed; "à échéance", a deadline
    of the student's (MEF, division) couple has passed and the evaluation is dated on or before it."""
    notes = _open("notes", schools)
    modes = dict(SchoolSettings.objects.filter(school_id__in=notes).values_list("school_id", "notes_mode"))
    continuous = {pk for pk, mode in modes.items() if mode == NotesMode.CONTINUOUS}
    deadline = {pk for pk, mode in modes.items() if mode == NotesMode.DEADLINE}
    passed = NotesPublicationDate.objects.filter(
        school_id=OuterRef("school_id"),
        mef_id=OuterRef("student__mef_id"),
        division_id=OuterRef("student__division_id"),
        date__lt=today,
        date__gte=OuterRef("evaluation__publish_on"),
    )
    return Mark.objects.filter(student__has_left=False).filter(
        Q(school_id__in=continuous, evaluation__publish_on__lt=today) | (Q(school_id__in=deadline) & Exists(passed))
    )


def expected_rows(kind: str, *, today: datetime.date | None = None) -> Iterator[tuple]:
    today = today or timezone.localdate()
    schools = _activated_ids()
    if kind == "school":
        for row in (
            SchoolSettings.objects.filter(school_id__in=schools).select_related("school__academy").order_by("school_id")
        ):
            s = row.school
            services = sorted(ServiceState.objects.filter(school=s, is_open=True).values_list("service", flat=True))
            yield (
                s.pk,
                s.uaj,
                s.academy.code,
                s.name,
                s.address_line1,
                s.address_line2,
                s.postcode,
                s.city,
                s.phone,
                row.welcome_message,
                row.contact_active,
                row.contact_email if row.contact_active else "",
                row.notes_mode,
                row.lpc_delay_days,
                services,
            )
    elif kind in ("mef", "division"):
        model = Mef if kind == "mef" else Division
        yield from (
            model.objects.filter(school_id__in=schools).order_by("pk").values_list("pk", "school_id", "code", "label")
        )
    elif kind == "student":
        refused = AccessRefusal.objects.filter(kind=CodeKind.CAE, student=OuterRef("pk"))
        yield from (
            Student.objects.filter(school_id__in=schools, has_left=False)
            .annotate(refused=Exists(refused))
            .order_by("pk")
            .values_list("pk", "school_id", "last_name", "first_name", "birth_date", "mef_id", "division_id", "refused")
            .iterator()
        )
    elif kind == "guardian":
        links = _qualifying_links(schools).filter(guardian=OuterRef("pk"))
        yield from (
            Guardian.objects.filter(Exists(links))
            .order_by("pk")
            .values_list("pk", "school_id", "civility", "last_name", "first_name")
            .iterator()
        )
    elif kind == "link":
        yield from (
            _qualifying_links(schools)
            .order_by("pk")
            .values_list("pk", "student__school_id", "student_id", "guardian_id", "legal_rank")
            .iterator()
        )
    elif kind == "code":
        links = _qualifying_links(schools).values("pk")
        refused_students = AccessRefusal.objects.filter(kind=CodeKind.CAE).values("student_id")
        codes = ActivationCode.objects.filter(
            (Q(kind=CodeKind.CAE) & ~Q(student_id__in=refused_students)) | Q(kind=CodeKind.CAR, link_id__in=links),
            is_valid=True,
            school_id__in=schools,
            student__has_left=False,
        ).order_by("pk")
        for pk, school_id, value, kind_, link_id, student_id, created_at in codes.values_list(
            "pk", "school_id", "value", "kind", "link_id", "student_id", "created_at"
        ).iterator():
            yield (pk, school_id, code_digest(value), kind_, link_id, student_id, timezone.localdate(created_at))
    elif kind == "notes_deadline":
        deadline_schools = set(
            SchoolSettings.objects.filter(school_id__in=schools, notes_mode=NotesMode.DEADLINE).values_list(
                "school_id", flat=True
            )
        ) & set(ServiceState.objects.filter(service="notes", is_open=True).values_list("school_id", flat=True))
        yield from (
            NotesPublicationDate.objects.filter(school_id__in=deadline_schools)
            .order_by("pk")
            .values_list("pk", "school_id", "mef_id", "division_id", "date")
            .iterator()
        )
    elif kind == "absence":
        yield from (
            Absence.objects.filter(
                school_id__in=_open("absences", schools), student__has_left=False, state__in=PUBLISHED_ABSENCE_STATES
            )
            .order_by("pk")
            .values_list("pk", "school_id", "student_id", "date", "half_day")
            .iterator()
        )
    elif kind == "mark":
        yield from (
            _published_marks(schools, today)
            .order_by("pk")
            .values_list(
                "pk",
                "school_id",
                "student_id",
                "evaluation__subject",
                "evaluation__label",
                "evaluation__evaluated_on",
                "evaluation__coefficient",
                "evaluation__scale",
                "status",
                "value",
            )
            .iterator()
        )
    elif kind == "competence":
        delays = dict(SchoolSettings.objects.filter(school_id__in=schools).values_list("school_id", "lpc_delay_days"))
        for row in (
            CompetenceValidation.objects.filter(school_id__in=_open("lpc", schools), student__has_left=False)
            .order_by("pk")
            .values_list("pk", "school_id", "student_id", "competence", "validated_on", "entered_on")
            .iterator()
        ):
            if row[5] + datetime.timedelta(days=delays[row[1]]) < today:
                yield row[:5]
    elif kind == "b2i":
        yield from (
            B2iValidation.objects.filter(school_id__in=_open("b2i", schools), student__has_left=False)
            .order_by("pk")
            .values_list("pk", "school_id", "student_id", "item", "domain", "validated_on")
            .iterator()
        )
    else:
        raise ValueError(kind)


def _actual(kind: str):
    """The téléservices model of a copied kind, and its columns in the run's order."""
    copied = next(t for t in copied_tables("postgresql") if t.kind == kind)
    model = next(m for m in apps.get_app_config("portal").get_models() if m._meta.db_table == copied.table)
    return model, copied.columns


def actual_rows(kind: str) -> Iterator[tuple]:
    model, fields = _actual(kind)
    yield from model.objects.order_by("pk").values_list(*fields).iterator()


def checksum(rows: Iterable[tuple]) -> tuple[int, str]:
    """(row count, SHA-256 of the rows in order)."""
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(repr(tuple(str(v) if v is not None else None for v in row)).encode())
        count += 1
    return count, digest.hexdigest()


def checksums_compare(*, today: datetime.date | None = None) -> dict[str, tuple[tuple[int, str], tuple[int, str]]]:
    """The copied tables whose expected and actual checksums differ: {kind: (expected, actual)}.

    `today`: the day of the last run's publication rules (the local date by default)."""
    differ = {}
    for kind in KINDS:
        expected, actual = checksum(expected_rows(kind, today=today)), checksum(actual_rows(kind))
        if expected != actual:
            differ[kind] = (expected, actual)
    return differ

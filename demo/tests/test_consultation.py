"""`seed_demo`'s term of consultation data, and what the replication publishes of it."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from consultation.models import Absence, AbsenceState, B2iValidation, CompetenceValidation, Evaluation, Mark
from demo.consultation import school_consultation_create
from portal import models as ts
from replication.checksums import checksums_compare
from replication.models import Change
from services.models import NotesMode, NotesPublicationDate
from services.selectors import notes_publication, service_is_open
from siecle.models import School, Student

MODELS = (Evaluation, Mark, Absence, CompetenceValidation, B2iValidation)


def _seed(*args: str) -> None:
    call_command("seed_demo", *args, verbosity=0)


@pytest.mark.django_db(databases=["default", "teleservices"])
def test_every_demo_school_has_a_realistic_term():
    _seed("--schools", "3", "--students", "90")
    today = timezone.localdate()
    first, second, last = School.objects.order_by("uaj")
    for school in (first, second, last):
        evaluations = Evaluation.objects.filter(school=school)
        assert evaluations.exists() and Absence.objects.filter(school=school).exists()
        per_division = evaluations.values("division").annotate(n=Count("id")).values_list("n", flat=True)
        assert all(12 <= n <= 32 for n in per_division)  # 6 to 8 subjects, 2 to 4 evaluations each
        subjects = evaluations.values("division", "subject").distinct().count()
        assert 6 * len(per_division) <= subjects <= 8 * len(per_division)
        # each student of a division has one result per evaluation of his division
        student = Student.objects.filter(school=school).order_by("pk").first()
        assert Mark.objects.filter(student=student).count() == evaluations.filter(division=student.division).count()
    assert set(Evaluation.objects.values_list("coefficient", flat=True)) <= {1, 2}
    assert set(Evaluation.objects.values_list("scale", flat=True)) == {10, 20}
    assert Evaluation.objects.filter(publish_on__gte=today).exists()  # some still to come
    assert Evaluation.objects.filter(publish_on__lt=today).exists()
    assert all(m.value <= m.evaluation.scale for m in Mark.objects.filter(status="note").select_related("evaluation"))
    statuses = dict(Mark.objects.values_list("status").annotate(n=Count("id")))
    assert statuses["note"] > 0.85 * sum(statuses.values()) and {"abs", "disp", "nn"} <= set(statuses)
    states = dict(Absence.objects.values_list("state").annotate(n=Count("id")))
    assert set(states) == set(AbsenceState.values)
    published = sum(states[s] for s in ("constatee", "legitime", "classee"))
    assert published > 0.75 * sum(states.values())
    # LPC for 3e students only; the B2i for the first school, an experimenter
    lpc_levels = set(CompetenceValidation.objects.values_list("student__mef__label", flat=True))
    assert lpc_levels == {"3EME"}
    assert first.b2i_experimenter and B2iValidation.objects.filter(school=first).exists()
    assert not B2iValidation.objects.exclude(school__b2i_experimenter=True).exists()
    # the services of the activated schools are open, the second publishes "à échéance"
    for school in (first, second):
        for service in ("absences", "notes"):
            assert service_is_open(school=school, service=service)
    assert service_is_open(school=first, service="lpc") and service_is_open(school=first, service="b2i")
    assert notes_publication(school=second).mode == NotesMode.DEADLINE
    deadlines = set(NotesPublicationDate.objects.filter(school=second).values_list("date", flat=True))
    assert any(d < today for d in deadlines) and any(d > today for d in deadlines)
    # written with COPY, the rows were journaled for the replication all the same
    labels = set(Change.objects.values_list("label", flat=True).distinct())
    assert {f"consultation_{m._meta.model_name}" for m in MODELS} <= labels


@pytest.mark.django_db
def test_the_term_is_the_same_for_the_same_seed():
    _seed("--schools", "1", "--students", "40", "--closed")
    school = School.objects.get()

    def snapshot():
        return (
            list(Evaluation.objects.order_by("pk").values_list("ref", "subject", "evaluated_on", "publish_on")),
            list(Mark.objects.order_by("evaluation", "student").values_list("student", "status", "value")),
            list(Absence.objects.order_by("student", "date", "half_day").values_list("student", "date", "state")),
        )

    before = snapshot()
    with transaction.atomic():
        for model in MODELS:
            model.objects.filter(school=school).delete()
        school_consultation_create(school=school, seed=2026)
    after = snapshot()
    assert [len(part) for part in after] == [len(part) for part in before]
    assert [[row[1:] for row in part] for part in after] == [[row[1:] for row in part] for part in before]


@pytest.mark.django_db(databases=["default", "teleservices"], transaction=True)
def test_after_a_full_replication_the_portal_holds_the_published_rows_and_only_them():
    _seed("--schools", "3", "--students", "60")
    call_command("replicate", "--full", "--quiet")
    today = timezone.localdate()

    assert checksums_compare(today=today) == {}
    assert ts.Mark.objects.exists() and ts.Absence.objects.exists() and ts.B2iItem.objects.exists()
    assert ts.Competence.objects.exists()
    assert ts.Mark.objects.count() < Mark.objects.count()  # future publication dates, the unactivated school
    never = Absence.objects.filter(state__in=[AbsenceState.REPORTED, AbsenceState.CANCELLED])
    assert not ts.Absence.objects.filter(id__in=list(never.values_list("pk", flat=True))).exists()
    future = Mark.objects.filter(evaluation__publish_on__gte=today).values_list("pk", flat=True)
    assert not ts.Mark.objects.filter(id__in=list(future)).exists()
    last = School.objects.order_by("uaj").last()
    assert not ts.Mark.objects.filter(school_id=last.pk).exists()
    # "à échéance": the second school publishes only the couples whose deadline has passed
    second = School.objects.order_by("uaj")[1]
    passed = NotesPublicationDate.objects.filter(school=second, date__lt=today)
    couples = set(passed.values_list("mef_id", "division_id"))
    ids = set(ts.Mark.objects.filter(school_id=second.pk).values_list("student_id", flat=True))
    shown = Student.objects.filter(pk__in=ids)
    assert shown.exists() and set(shown.values_list("mef_id", "division_id")) <= couples


@pytest.mark.django_db
def test_a_seed_on_the_second_day_of_school_writes_nothing_dated_in_the_future():
    _seed("--schools", "1", "--students", "30", "--closed")
    school = School.objects.get()
    with transaction.atomic():
        for model in MODELS:
            model.objects.filter(school=school).delete()
        today = school.school_year_start + datetime.timedelta(days=1)
        school_consultation_create(school=school, seed=1, today=today)
    assert Evaluation.objects.exists()
    assert not Evaluation.objects.filter(evaluated_on__gte=today).exists()
    assert not Absence.objects.filter(date__gte=today).exists()
    assert not CompetenceValidation.objects.filter(entered_on__gte=today).exists()
    assert not B2iValidation.objects.filter(validated_on__gte=today).exists()

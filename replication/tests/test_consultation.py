"""The consultation data down the replication: each publication rule at its boundary days.

Rules (docs/consultation.md): a date "has passed" on the day after it. The run of day D
publishes marks whose teacher's date is before D ("au fil de l'eau"), marks of a couple whose
deadline is before D and that are dated on or before it ("à échéance"), LPC validations whose
entry date plus the delay is before D; absences constatées, légitimes, classées; B2i items.
Each test runs the replication for given days and reads the téléservices side.
"""

from __future__ import annotations

import datetime

import pytest

from consultation.factories import (
    AbsenceFactory,
    B2iValidationFactory,
    CompetenceValidationFactory,
    EvaluationFactory,
    MarkFactory,
)
from consultation.models import AbsenceState, HalfDay, Mark
from portal import models as ts
from replication.checksums import checksums_compare
from services.models import NotesMode
from services.services import lpc_delay_set, notes_dates_add, notes_mode_set, service_close, service_open
from siecle.factories import DivisionFactory, StudentFactory
from siecle.models import School, Student

from .conftest import replicate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])

D = datetime.date(2026, 11, 20)
DAY = datetime.timedelta(days=1)


def run_on(day: datetime.date, **options):
    run = replicate(today=day, **options)
    assert checksums_compare(today=day) == {}
    return run


def published_marks() -> set[int]:
    return set(ts.Mark.objects.values_list("id", flat=True))


@pytest.fixture
def open_school(academy, head) -> School:
    School.objects.filter(pk=academy.school.pk).update(b2i_experimenter=True)
    academy.school.refresh_from_db()
    for service in ("absences", "lpc", "b2i"):
        service_open(school=academy.school, service=service, by=head)
    return academy.school


@pytest.fixture
def pupil(academy) -> Student:
    return academy.current


def test_continuous_notes_appear_the_day_after_their_publication_date(open_school, pupil):
    mark = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D), student=pupil)
    run_on(D - DAY, full=True)
    assert published_marks() == set()
    run_on(D)  # the publication day itself: not yet (the manual's one day of delay)
    assert published_marks() == set()
    run_on(D + DAY)  # nothing was journaled: the day alone makes it qualify
    assert published_marks() == {mark.pk}
    row = ts.Mark.objects.get()
    assert (row.subject, row.value, row.scale, row.status) == ("MATHEMATIQUES", mark.value, 20, "note")


def test_a_night_missed_does_not_lose_what_became_visible(open_school, pupil):
    mark = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D), student=pupil)
    run_on(D - DAY, full=True)
    run_on(D + 3 * DAY)  # the runs of D and D+1 failed or did not happen
    assert published_marks() == {mark.pk}


def test_deadline_notes_wait_for_their_couple_deadline_to_pass(open_school, pupil, head):
    notes_mode_set(school=open_school, mode=NotesMode.DEADLINE, by=head)
    before = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    on_day = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D), student=pupil)
    after = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D + DAY), student=pupil)
    run_on(D - 2 * DAY, full=True)
    assert published_marks() == set()  # a couple without a date publishes nothing
    notes_dates_add(school=open_school, date=D, couples=[(pupil.mef_id, pupil.division_id)], by=head)
    run_on(D - DAY)
    assert published_marks() == set()
    run_on(D)  # the deadline day itself
    assert published_marks() == set()
    run_on(D + DAY)
    assert published_marks() == {before.pk, on_day.pk}  # dated after the deadline: waits for the next one
    assert after.pk not in published_marks()


def test_another_couple_deadline_publishes_nothing_for_this_child(open_school, pupil, head):
    notes_mode_set(school=open_school, mode=NotesMode.DEADLINE, by=head)
    MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    other = DivisionFactory(school=open_school, code="4B")
    StudentFactory(school=open_school, mef=pupil.mef, division=other)  # the couple exists
    notes_dates_add(school=open_school, date=D, couples=[(pupil.mef_id, other.pk)], by=head)
    run_on(D + 2 * DAY, full=True)
    assert published_marks() == set()


def test_switching_the_publication_type_takes_effect_at_the_next_run(open_school, pupil, head):
    mark = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    run_on(D, full=True)
    assert published_marks() == {mark.pk}
    # "À échéance" with no date yet: what was published goes, nothing is published early.
    notes_mode_set(school=open_school, mode=NotesMode.DEADLINE, by=head)
    assert published_marks() == {mark.pk}  # until the night
    run_on(D + DAY)
    assert published_marks() == set()
    notes_dates_add(school=open_school, date=D + 2 * DAY, couples=[(pupil.mef_id, pupil.division_id)], by=head)
    run_on(D + 2 * DAY)
    assert published_marks() == set()
    # Back to "au fil de l'eau": the dates are deleted, the teacher's date rules again.
    assert notes_mode_set(school=open_school, mode=NotesMode.CONTINUOUS, by=head) == 1
    run_on(D + 2 * DAY)
    assert published_marks() == {mark.pk}


def test_a_changed_mark_and_a_moved_publication_date_follow(open_school, pupil):
    mark = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    run_on(D, full=True)
    Mark.objects.filter(pk=mark.pk).update(value="9.00")
    run_on(D)
    assert ts.Mark.objects.get().value == 9
    mark.evaluation.publish_on = D + 10 * DAY  # the teacher postpones it
    mark.evaluation.save()
    run_on(D + DAY)
    assert published_marks() == set()


def test_lpc_validations_appear_after_the_school_delay(open_school, pupil, head):
    entered = D - 8 * DAY
    CompetenceValidationFactory(student=pupil, competence=3, entered_on=entered, validated_on=entered)
    run_on(entered + 7 * DAY, full=True)
    assert not ts.Competence.objects.exists()
    run_on(entered + 8 * DAY)  # the delay's last day
    assert not ts.Competence.objects.exists()
    run_on(entered + 9 * DAY)
    assert list(ts.Competence.objects.values_list("competence", "validated_on")) == [(3, entered)]
    # A longer delay takes it back until it has passed again.
    lpc_delay_set(school=open_school, days=30, by=head)
    run_on(entered + 9 * DAY)
    assert not ts.Competence.objects.exists()
    run_on(entered + 31 * DAY)
    assert ts.Competence.objects.count() == 1


def test_only_noted_legitimate_and_classified_absences_are_published(open_school, pupil):
    published = [
        AbsenceFactory(student=pupil, date=D, half_day=HalfDay.MORNING, state=AbsenceState.NOTED),
        AbsenceFactory(student=pupil, date=D, half_day=HalfDay.AFTERNOON, state=AbsenceState.LEGITIMATE),
        AbsenceFactory(student=pupil, date=D + DAY, half_day=HalfDay.MORNING, state=AbsenceState.CLASSIFIED),
    ]
    AbsenceFactory(student=pupil, date=D + 2 * DAY, state=AbsenceState.REPORTED)
    AbsenceFactory(student=pupil, date=D + 3 * DAY, state=AbsenceState.CANCELLED)
    run_on(D, full=True)
    assert set(ts.Absence.objects.values_list("id", flat=True)) == {a.pk for a in published}
    assert not hasattr(ts.Absence, "state") and not hasattr(ts.Absence, "reason")


def test_a_closed_service_disappears_at_the_next_run_and_comes_back_reopened(open_school, pupil, head):
    AbsenceFactory(student=pupil, date=D)
    B2iValidationFactory(student=pupil, item="2.3")
    CompetenceValidationFactory(student=pupil, entered_on=D - 30 * DAY)
    MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    run_on(D, full=True)
    counts = [m.objects.count() for m in (ts.Absence, ts.B2iItem, ts.Competence, ts.Mark)]
    assert counts == [1, 1, 1, 1]
    for service in ("absences", "b2i", "lpc", "notes"):
        service_close(school=open_school, service=service, by=head)
    run_on(D)
    assert [m.objects.count() for m in (ts.Absence, ts.B2iItem, ts.Competence, ts.Mark)] == [0, 0, 0, 0]
    for service in ("absences", "b2i", "lpc", "notes"):
        service_open(school=open_school, service=service, by=head)
    run_on(D)
    assert [m.objects.count() for m in (ts.Absence, ts.B2iItem, ts.Competence, ts.Mark)] == counts


def test_a_student_who_left_takes_his_consultation_data_away(open_school, pupil):
    AbsenceFactory(student=pupil, date=D)
    B2iValidationFactory(student=pupil)
    MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D - 5 * DAY), student=pupil)
    run_on(D, full=True)
    Student.objects.filter(pk=pupil.pk).update(has_left=True)
    run_on(D)
    assert not ts.Absence.objects.exists() and not ts.B2iItem.objects.exists() and not ts.Mark.objects.exists()


def test_a_run_limited_to_one_school_publishes_its_due_rows_only(open_school, pupil, academy):
    mark = MarkFactory(evaluation=EvaluationFactory(division=pupil.division, publish_on=D), student=pupil)
    elsewhere = Student.objects.get(school=academy.other)
    other_mark = MarkFactory(evaluation=EvaluationFactory(division=elsewhere.division, publish_on=D), student=elsewhere)
    run_on(D, full=True)
    replicate(today=D + DAY, uajs=[academy.other.uaj])
    assert published_marks() == {other_mark.pk}
    run_on(D + DAY)
    assert published_marks() == {mark.pk, other_mark.pk}

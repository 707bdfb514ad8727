"""A small academy for the replication tests: what qualifies, and what must never go down."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cae.services import cae_create_for_students
from car.services import car_create_bulk
from codes.models import ActivationCode, CodeKind
from replication.checksums import checksums_compare
from replication.models import Run
from replication.run import replication_run
from services.services import service_open, teleservices_activate
from siecle.factories import GuardianLinkFactory, SchoolFactory, StudentFactory
from siecle.models import GuardianLink, LegalRank, School, Student


@dataclass
class Academy:
    school: School  # activated, notes open
    other: School  # activated too (for --uaj)
    closed: School  # never activated: nothing of it goes down
    current: Student
    legal1: GuardianLink
    legal2: GuardianLink
    contact: GuardianLink  # rank 0: never copied
    left: Student


def replicate(**options) -> Run:
    """A run that must succeed; returns its log row."""
    outcome = replication_run(**options)
    assert outcome.ok, "\n".join(outcome.lines)
    return outcome.run


def assert_in_step() -> None:
    """Both sides' checksums per copied table are equal (nothing missing, nothing doubled)."""
    assert checksums_compare() == {}


def _open_school(school, head) -> None:
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)


@pytest.fixture
def academy(school, other_school, head) -> Academy:
    _open_school(school, head)
    _open_school(other_school, head)
    closed = SchoolFactory(name="Collège fermé", academy=school.academy)
    current = StudentFactory(school=school, last_name="MARTIN", first_name="Léa")
    legal1 = GuardianLinkFactory(student=current, legal_rank=LegalRank.LEGAL_1, guardian__school=school)
    legal2 = GuardianLinkFactory(student=current, legal_rank=LegalRank.LEGAL_2, guardian__school=school)
    contact = GuardianLinkFactory(student=current, legal_rank=LegalRank.OTHER, guardian__school=school)
    left = StudentFactory(school=school, last_name="PARTI")
    left_link = GuardianLinkFactory(student=left, legal_rank=LegalRank.LEGAL_1, guardian__school=school)
    elsewhere = StudentFactory(school=other_school, last_name="AILLEURS")
    elsewhere_link = GuardianLinkFactory(student=elsewhere, legal_rank=LegalRank.LEGAL_1, guardian__school=other_school)
    hidden = StudentFactory(school=closed, last_name="CACHE")
    GuardianLinkFactory(student=hidden, legal_rank=LegalRank.LEGAL_1, guardian__school=closed)
    car_create_bulk(school=school, link_ids=[legal1.pk, legal2.pk, left_link.pk], by=head)
    car_create_bulk(school=other_school, link_ids=[elsewhere_link.pk], by=head)
    for s in (school, other_school, closed):
        cae_create_for_students(school=s, student_ids=list(s.students.values_list("pk", flat=True)), by=head)
    Student.objects.filter(pk=left.pk).update(has_left=True)
    assert ActivationCode.objects.filter(school=closed, kind=CodeKind.CAE).exists()
    return Academy(
        school=school,
        other=other_school,
        closed=closed,
        current=current,
        legal1=legal1,
        legal2=legal2,
        contact=contact,
        left=left,
    )

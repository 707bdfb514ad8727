"""A hand-built school whose every statistic is known (see `known_school`'s docstring)."""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from codes.models import AccessRefusal, ActivationCode, CodeKind, EventKind
from siecle.factories import DivisionFactory, GuardianFactory, GuardianLinkFactory, MefFactory, StudentFactory
from siecle.models import LegalRank

PARIS = ZoneInfo("Europe/Paris")
THIS_YEAR = datetime.date(2026, 10, 1)  # the factory's school year runs 2026-09-01 to 2027-08-31
LAST_YEAR = datetime.date(2026, 3, 1)
_values = itertools.count(1)


def at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=PARIS)


def make_car(link, *, valid=True, notified=None, used=None, account=None):
    now = timezone.now()
    return ActivationCode.objects.create(
        kind=CodeKind.CAR,
        school=link.student.school,
        student=link.student,
        link=link,
        value=f"S{next(_values):012d}",
        is_valid=valid,
        created_at=now,
        changed_at=now,
        change_kind=EventKind.CREATION,
        notified_at=notified,
        used_at=at_noon(used) if used else None,
        account_id=account,
    )


def set_cae(student, *, notified=None, used=None, account=None):
    """The student's valid CAE (made with him) in the given state."""
    ActivationCode.objects.filter(kind=CodeKind.CAE, student=student, is_valid=True).update(
        notified_at=notified, used_at=at_noon(used) if used else None, account_id=account
    )


def refuse(student, link=None):
    AccessRefusal.objects.create(
        kind=CodeKind.CAR if link else CodeKind.CAE,
        school=student.school,
        student=student,
        link=link,
        recorded_at=timezone.now(),
    )


def build_known_school(school):
    """Students (3EME: 3A Alice, Bruno, Chloé; 3B David; 6EME: 6A Emma; Félix in 3A has left).

    Guardians: G1 legal 1 of Alice and of Emma (two divisions); G2 legal 2 of Alice; G3 legal 1
    of the twins Bruno and Chloé; G4 another contact of Bruno (never counted); G5 legal 1 of
    David, refused; G6 legal 1 of Félix (left: not counted).
    """
    m3 = MefFactory(school=school, code="10310019110", label="3EME")
    m6 = MefFactory(school=school, code="10010012110", label="6EME")
    d3a = DivisionFactory(school=school, code="3A")
    d3b = DivisionFactory(school=school, code="3B")
    d6a = DivisionFactory(school=school, code="6A")

    def student(name, mef, division, **extra):
        return StudentFactory(school=school, first_name=name, last_name="ELEVE", mef=mef, division=division, **extra)

    alice, bruno, chloe = (student(n, m3, d3a) for n in ("Alice", "Bruno", "Chloé"))
    david, emma = student("David", m3, d3b), student("Emma", m6, d6a)
    felix = student("Félix", m3, d3a, has_left=True)
    g1, g2, g3, g4, g5, g6 = (GuardianFactory(school=school) for _ in range(6))

    def link(s, g, rank=LegalRank.LEGAL_1):
        return GuardianLinkFactory(student=s, guardian=g, legal_rank=rank)

    # G1: the code for Alice notified this year, attached to an account this year; the one
    # for Emma notified and attached last year.
    make_car(link(alice, g1), notified=THIS_YEAR, used=THIS_YEAR, account=101)
    make_car(link(emma, g1), notified=LAST_YEAR, used=LAST_YEAR, account=101)
    # G2: notified last year, no account.
    make_car(link(alice, g2, LegalRank.LEGAL_2), notified=LAST_YEAR)
    # G3: Bruno's code never notified (an older invalid one had an account: it does not count);
    # Chloé's notified this year, attached to an account last year.
    bruno_g3 = link(bruno, g3)
    make_car(bruno_g3, valid=False, notified=LAST_YEAR, used=LAST_YEAR, account=103)
    make_car(bruno_g3)
    make_car(link(chloe, g3), notified=THIS_YEAR, used=LAST_YEAR, account=103)
    # G4: another contact, even with a code (legacy data) he is never counted.
    make_car(link(bruno, g4, LegalRank.OTHER), notified=THIS_YEAR, used=THIS_YEAR, account=104)
    # G5 refused for David: his code was invalidated.
    david_g5 = link(david, g5)
    make_car(david_g5, valid=False, notified=LAST_YEAR)
    refuse(david, david_g5)
    # G6, for Félix who left: everything, counted nowhere.
    felix_g6 = link(felix, g6)
    make_car(felix_g6, notified=THIS_YEAR, used=THIS_YEAR, account=106)

    # Students' codes.
    set_cae(alice, notified=THIS_YEAR, used=THIS_YEAR, account=201)
    set_cae(bruno, notified=LAST_YEAR, used=LAST_YEAR, account=202)
    refuse(chloe)
    set_cae(emma, notified=THIS_YEAR)
    set_cae(felix, notified=THIS_YEAR, used=THIS_YEAR, account=206)
    refuse(felix)
    return school


@pytest.fixture
def known_school(school):
    return build_known_school(school)

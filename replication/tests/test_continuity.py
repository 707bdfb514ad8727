"""Continuity of access (C7): a child moves within the academy, the family keeps its account."""

import datetime

import pytest

from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind
from notifications.content import guardian_letters, student_letters
from portal import models as ts
from replication.continuity import continuity_attach, continuity_decide
from replication.tests.helpers import replicate_code
from services.services import service_open, teleservices_activate
from siecle.factories import GuardianFactory, GuardianLinkFactory, SchoolFactory, StudentFactory
from siecle.models import LegalRank

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

TODAY = datetime.date(2026, 9, 3)


@pytest.fixture
def open_school(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


def account(login: str, kind=ts.Account.Kind.GUARDIAN) -> ts.Account:
    return ts.Account.objects.create(login=login, password="!", kind=kind)  # noqa: S106


def car(link, *, account_id=None, valid=True) -> ActivationCode:
    from codes.tests.factories import make_car

    code = make_car(link, valid=valid)
    if account_id:
        ActivationCode.objects.filter(pk=code.pk).update(account_id=account_id, used_at=code.created_at)
        code.refresh_from_db()
    return code


class Move:
    """A child who left `old` for `new`: his guardian had an account through the old CAR."""

    def __init__(
        self, old, new, *, ine="1234567890A", last="DURAND", first="Claire", email="claire@famille.test", old_email=None
    ):
        self.account = account(f"durand.{ine}")
        self.old_student = StudentFactory(school=old, ine=ine, has_left=True, last_name="DURAND", first_name="Léo")
        self.old_guardian = GuardianFactory(
            school=old, last_name="DURAND", first_name="Claire", email=old_email or "claire@famille.test"
        )
        self.old_link = GuardianLinkFactory(student=self.old_student, guardian=self.old_guardian)
        self.old_code = car(self.old_link, account_id=self.account.pk)
        self.student = StudentFactory(school=new, ine=ine, last_name="DURAND", first_name="Léo")
        self.guardian = GuardianFactory(school=new, last_name=last, first_name=first, email=email)
        self.link = GuardianLinkFactory(student=self.student, guardian=self.guardian)

    def valid_car(self):
        return ActivationCode.objects.filter(kind=CodeKind.CAR, link=self.link, is_valid=True).first()


def test_the_new_car_is_attached_to_the_account_with_date_history_and_continuity_letter(open_school, other_school):
    move = Move(other_school, open_school)
    new = car(move.link)
    report = continuity_decide(today=TODAY)
    assert report == {"guardians": 1, "students": 0, "codes_created": 0, "refused": 0}
    new.refresh_from_db()
    assert new.account_id == move.account.pk and new.continuity_at == TODAY
    assert CodeEvent.objects.filter(code=new, event=EventKind.CONTINUITY).count() == 1
    (letter,) = guardian_letters(school=open_school, link_ids=[move.link.pk])
    assert letter.continuity  # the next letter says the existing account keeps working
    assert continuity_decide(today=TODAY) == {"guardians": 0, "students": 0, "codes_created": 0, "refused": 0}


def test_a_pair_without_a_valid_car_gets_one_created_as_the_school_would(open_school, other_school):
    move = Move(other_school, open_school)
    report = continuity_decide(today=TODAY)
    assert report["codes_created"] == 1 and report["guardians"] == 1
    new = move.valid_car()
    assert new.account_id == move.account.pk and new.continuity_at == TODAY
    assert [e.event for e in CodeEvent.objects.filter(code=new).order_by("pk")] == [
        EventKind.CREATION,
        EventKind.CONTINUITY,
    ]


def test_the_guardian_is_matched_by_name_whatever_the_accents_case_and_dashes(open_school, other_school):
    move = Move(other_school, open_school, last="durand", first="CLAIRE", email="")
    assert continuity_decide(today=TODAY)["guardians"] == 1
    assert move.valid_car().account_id == move.account.pk


def test_a_name_typed_differently_is_matched_by_the_email(open_school, other_school):
    move = Move(other_school, open_school, last="DURAND-LEROY", first="Claire", email="CLAIRE@famille.test")
    assert continuity_decide(today=TODAY)["guardians"] == 1
    assert move.valid_car().account_id == move.account.pk


def test_another_person_gets_nothing(open_school, other_school):
    move = Move(other_school, open_school, last="MARTIN", first="Paul", email="paul@famille.test")
    assert continuity_decide(today=TODAY) == {"guardians": 0, "students": 0, "codes_created": 0, "refused": 0}
    assert move.valid_car() is None


def test_an_email_shared_by_two_former_guardians_names_nobody(open_school, other_school):
    move = Move(
        other_school, open_school, last="DURAND-LEROY", email="famille@durand.test", old_email="famille@durand.test"
    )
    other = GuardianFactory(school=other_school, last_name="DURAND", first_name="Marc", email="famille@durand.test")
    car(GuardianLinkFactory(student=move.old_student, guardian=other, legal_rank=LegalRank.LEGAL_2), account_id=77)
    assert continuity_decide(today=TODAY)["guardians"] == 0


def test_nothing_while_the_new_school_is_not_open(school, other_school, head):
    Move(other_school, school)
    assert continuity_decide(today=TODAY)["guardians"] == 0  # not activated
    teleservices_activate(school=school, by=head)
    assert continuity_decide(today=TODAY)["guardians"] == 0  # activated, no service open
    service_open(school=school, service="absences", by=head)
    assert continuity_decide(today=TODAY)["guardians"] == 1


def test_a_refused_pair_or_a_child_still_in_his_old_school_gets_nothing(open_school, other_school, head):
    move = Move(other_school, open_school)
    AccessRefusal.objects.create(
        kind=CodeKind.CAR, school=open_school, student=move.student, link=move.link, recorded_at=move.student.created_at
    )
    assert continuity_decide(today=TODAY)["guardians"] == 0 and move.valid_car() is None
    still = Move(other_school, open_school, ine="9999999999Z")
    still.old_student.has_left = False
    still.old_student.save()
    assert continuity_decide(today=TODAY)["guardians"] == 0


def test_a_run_by_school_decides_only_for_those_schools(open_school, other_school, head):
    third = SchoolFactory(academy=open_school.academy)
    teleservices_activate(school=third, by=head)
    service_open(school=third, service="notes", by=head)
    Move(other_school, open_school)
    elsewhere = Move(other_school, third, ine="5555555555B")
    assert continuity_decide(school_ids=[open_school.pk], today=TODAY)["guardians"] == 1
    assert elsewhere.valid_car() is None


def test_a_student_keeps_his_account_through_his_new_cae(open_school, other_school):
    pupil = account("leo.durand", kind=ts.Account.Kind.STUDENT)
    old = StudentFactory(school=other_school, ine="1111111111C", has_left=True)
    ActivationCode.objects.filter(kind=CodeKind.CAE, student=old).update(account_id=pupil.pk)
    new = StudentFactory(school=open_school, ine="1111111111C")
    assert continuity_decide(today=TODAY)["students"] == 1
    cae = ActivationCode.objects.get(kind=CodeKind.CAE, student=new, is_valid=True)
    assert cae.account_id == pupil.pk and cae.continuity_at == TODAY
    (letter,) = student_letters(school=open_school, student_ids=[new.pk])
    assert letter.continuity
    assert continuity_decide(today=TODAY)["students"] == 0


def test_attach_writes_continuity_attachments_for_codes_now_on_the_families_side(open_school, other_school):
    move = Move(other_school, open_school)
    continuity_decide(today=TODAY)
    new = move.valid_car()
    assert continuity_attach(today=TODAY) == {"attached": 0, "waiting": 1, "no_account": 0}  # not copied yet
    replicate_code(new)
    assert continuity_attach(today=TODAY) == {"attached": 1, "waiting": 0, "no_account": 0}
    row = ts.Attachment.objects.get(code_id=new.pk)
    assert (row.account_id, row.origin, row.student_id, row.school_id) == (
        move.account.pk,
        ts.Attachment.Origin.CONTINUITY,
        move.student.pk,
        open_school.pk,
    )
    assert continuity_attach(today=TODAY) == {"attached": 0, "waiting": 0, "no_account": 0}


def test_attach_logs_an_account_that_no_longer_exists(open_school, other_school):
    move = Move(other_school, open_school)
    continuity_decide(today=TODAY)
    replicate_code(move.valid_car())
    move.account.delete()
    messages = []
    assert continuity_attach(today=TODAY, log=messages.append)["no_account"] == 1
    assert "n'existe plus" in messages[0] and not ts.Attachment.objects.exists()


@pytest.mark.parametrize("movers", [1, 12])
def test_the_number_of_queries_does_not_grow_with_the_movers(open_school, other_school, movers):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    for n in range(movers):
        Move(other_school, open_school, ine=f"{7000000000 + n}D")
    with CaptureQueriesContext(connections["default"]) as queries:
        assert continuity_decide(today=TODAY)["guardians"] == movers
    assert len(queries) <= 21, [q["sql"][:120] for q in queries]

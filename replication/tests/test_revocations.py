"""Targeted revocations: what the task does to the téléservices database, and who asks for it."""

import pytest

from cae.services import cae_access_remove
from car.services import car_invalidate, car_refusal_record, car_regenerate
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from portal import models as ts
from replication import receivers
from replication.revocations import revocations_apply
from replication.tests.helpers import family_signed_in, replicate_code

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])


def cae_of(student):
    return ActivationCode.objects.get(kind=CodeKind.CAE, student=student, is_valid=True)


def test_a_revoked_code_leaves_and_the_sessions_of_its_accounts_end(school):
    code = make_car(make_pair(school))
    kept = make_car(make_pair(school, last_name="MARTIN"))
    replicate_code(code), replicate_code(kept)
    account, _ = family_signed_in(code)
    other, _ = family_signed_in(kept)
    report = revocations_apply(code_ids=[code.pk])
    assert report == {"codes": 1, "links": 0, "students_refused": 0, "sessions": 1}
    assert list(ts.Code.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not ts.FamilySession.objects.filter(account=account).exists()
    assert ts.FamilySession.objects.filter(account=other).exists()
    assert ts.Attachment.objects.filter(account=account, code_id=code.pk).exists()  # the history stays
    assert revocations_apply(code_ids=[code.pk]) == {"codes": 0, "links": 0, "students_refused": 0, "sessions": 0}


def test_a_car_refusal_removes_the_link_and_its_code(school):
    code = make_car(make_pair(school))
    replicate_code(code)
    family_signed_in(code)
    assert revocations_apply(refused_link_ids=[code.link_id])["links"] == 1
    assert not ts.Link.objects.filter(pk=code.link_id).exists()
    assert not ts.Code.objects.filter(pk=code.pk).exists() and not ts.FamilySession.objects.exists()
    assert ts.Student.objects.filter(pk=code.student_id).exists()


def test_a_cae_refusal_marks_the_student_and_removes_his_code_only(school):
    link = make_pair(school)
    car, cae = make_car(link), cae_of(link.student)
    replicate_code(car), replicate_code(cae)
    family_signed_in(cae)
    report = revocations_apply(refused_student_ids=[link.student_id])
    assert report == {"codes": 1, "links": 0, "students_refused": 1, "sessions": 1}
    assert ts.Student.objects.get(pk=link.student_id).access_refused
    assert list(ts.Code.objects.values_list("pk", flat=True)) == [car.pk]


def test_students_who_left_lose_every_code(school):
    link = make_pair(school)
    car, cae = make_car(link), cae_of(link.student)
    replicate_code(car), replicate_code(cae)
    assert revocations_apply(left_student_ids=[link.student_id])["codes"] == 2
    assert not ts.Code.objects.exists()


def test_nothing_replicated_yet_is_no_error(school):
    assert revocations_apply(
        code_ids=[10**12], refused_link_ids=[1], refused_student_ids=[2], left_student_ids=[3]
    ) == {
        "codes": 0,
        "links": 0,
        "students_refused": 0,
        "sessions": 0,
    }


@pytest.fixture
def queued(monkeypatch):
    """What the receivers hand to the broker (the end-to-end tests use a real worker)."""
    calls = []
    monkeypatch.setattr(receivers.revocations_apply_task, "delay", lambda **ids: calls.append(ids))
    return calls


def test_each_revoking_action_queues_ids_after_commit_only(school, head, queued, django_capture_on_commit_callbacks):
    link = make_pair(school)
    code = make_car(link)
    with django_capture_on_commit_callbacks(execute=True):
        car_invalidate(link=link, by=head)
    assert queued == [{"code_ids": [code.pk]}]
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = car_regenerate(link=link, by=head).code
    assert queued == []  # no valid code was replaced; the new code waits for the run
    with django_capture_on_commit_callbacks(execute=True):
        newest = car_regenerate(link=link, by=head).code
    assert queued == [{"code_ids": [new.pk]}]
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        car_refusal_record(link=link, by=head)
    assert queued == [{"code_ids": [newest.pk]}, {"refused_link_ids": [link.pk]}]
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cae_access_remove(student=link.student, by=head)
    assert queued == [{"refused_student_ids": [link.student_id]}]


def test_a_rolled_back_revocation_queues_nothing(school, head, queued, django_capture_on_commit_callbacks):
    from django.db import transaction

    link = make_pair(school)
    make_car(link)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        car_invalidate(link=link, by=head)
        raise RuntimeError
    assert queued == []


def test_a_broker_down_does_not_break_the_committed_change(
    school, head, monkeypatch, django_capture_on_commit_callbacks
):
    def down(**ids):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(receivers.revocations_apply_task, "delay", down)
    link = make_pair(school)
    code = make_car(link)
    with django_capture_on_commit_callbacks(execute=True):
        car_invalidate(link=link, by=head)
    code.refresh_from_db()
    assert not code.is_valid


def test_big_revocations_are_queued_in_chunks(queued):
    receivers._enqueue(code_ids=list(range(1, 12_001)))
    assert [len(c["code_ids"]) for c in queued] == [5000, 5000, 2000]


def test_students_marked_left_by_an_import_are_queued_once_it_commits(
    school, queued, django_capture_on_commit_callbacks
):
    from siecle.signals import students_left

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        students_left.send(sender=type(school), school=school, student_ids=[5, 6])
        assert queued == []  # inside the import's transaction: nothing yet
    assert len(callbacks) == 1 and queued == [{"left_student_ids": [5, 6]}]

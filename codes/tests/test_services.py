"""The code lifecycle shared by CAR and CAE: birth, database rules, recorded facts."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from codes import services
from codes.models import ActivationCode, CodeEvent, CodeKind, EventKind, NotificationMode
from codes.services import Target
from codes.tests.factories import make_car, make_pair

pytestmark = pytest.mark.django_db


def valid_cars(link):
    return list(ActivationCode.objects.filter(kind=CodeKind.CAR, link=link, is_valid=True))


def test_a_value_already_taken_in_the_academy_is_drawn_again_only_for_that_pair(school, head, monkeypatch):
    taken = make_pair(school)
    make_car(taken, value="0000000000ABC")
    links = [make_pair(school) for _ in range(3)]
    draws = iter([["0000000000ABC", "0000000000AB1", "0000000000AB2"], ["0000000000AB3"]])
    monkeypatch.setattr(services.values, "generate_many", lambda n: next(draws)[:n])
    created = services.codes_create_bulk(
        kind=CodeKind.CAR, school=school, targets=[Target(x.student_id, x.pk) for x in links], by=head
    )
    assert sorted(c.value for c in created) == ["0000000000AB1", "0000000000AB2", "0000000000AB3"]
    assert all(len(valid_cars(x)) == 1 for x in links)
    assert CodeEvent.objects.filter(kind=CodeKind.CAR, event=EventKind.CREATION).count() == 3


def test_the_database_refuses_a_second_valid_code_for_a_pair(school):
    link = make_pair(school)
    make_car(link, value="0000000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_car(link, value="0000000000002")
    make_car(link, value="0000000000003", valid=False)


def test_the_database_refuses_a_code_value_twice_in_the_academy(school, other_school):
    make_car(make_pair(school), value="0000000000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_car(make_pair(other_school), value="0000000000001")


def test_notification_usage_and_continuity_are_recorded_with_history(school, head):
    link = make_pair(school)
    code = make_car(link)
    assert (
        services.codes_notification_record(school=school, code_ids=[code.pk], mode=NotificationMode.EMAIL, by=head) == 1
    )
    used = datetime.datetime(2026, 10, 2, 8, tzinfo=datetime.UTC)
    claim = services.UsageClaim(code.pk, 4242, used, school.pk, CodeKind.CAR)
    assert services.codes_usage_record(uses=[claim]).recorded == 1
    again = services.codes_usage_record(uses=[claim])
    assert (again.recorded, again.already, again.refused) == (0, 1, [])
    code.refresh_from_db()
    assert code.notification_mode == "M" and code.notified_at and code.account_id == 4242
    assert code.used_at == used and code.change_kind == EventKind.USE
    kinds = list(CodeEvent.objects.filter(code=code).order_by("pk").values_list("event", "mode"))
    assert kinds == [(EventKind.NOTIFICATION, "M"), (EventKind.USE, "")]
    continuity = services.ContinuityClaim(code.pk, 99, school.pk, CodeKind.CAR)
    assert services.codes_continuity_record(attachments=[continuity]).recorded == 1
    code.refresh_from_db()
    assert code.continuity_at and code.account_id == 99


def test_notification_is_refused_for_a_code_of_another_school_and_nothing_is_recorded(school, other_school, head):
    mine = make_car(make_pair(school))
    foreign = make_car(make_pair(other_school))
    with pytest.raises(services.CodeError):
        services.codes_notification_record(
            school=school, code_ids=[mine.pk, foreign.pk], mode=NotificationMode.LETTER, by=head
        )
    with pytest.raises(services.CodeError):
        services.codes_notification_record(school=school, code_ids=[mine.pk, 10**12], mode="C", by=head)
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.notified_at is None and foreign.notified_at is None
    assert not CodeEvent.objects.filter(event=EventKind.NOTIFICATION).exists()


def test_codes_reference_their_pair_and_student_with_protection(school):
    link = make_pair(school)
    make_car(link)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        link.delete()

import datetime
import threading

import pytest
from django.db import connection

from car import services
from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind, NotificationMode
from codes.services import CodeError
from codes.tests.factories import make_car, make_pair
from siecle.factories import GuardianLinkFactory, SchoolFactory
from siecle.models import LegalRank
from siecle.signals import links_lost_legal_rank

pytestmark = pytest.mark.django_db


def valid_cars(link):
    return list(ActivationCode.objects.filter(kind=CodeKind.CAR, link=link, is_valid=True))


def test_mass_creation_gives_each_checked_legal_pair_one_valid_code_and_a_history_row(school, head, open_service):
    links = [make_pair(school, rank=rank) for rank in (1, 2, 1)]
    report = services.car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head)
    assert report.created == 3
    for link in links:
        (code,) = valid_cars(link)
        assert len(code.value) == 13 and code.change_kind == EventKind.CREATION
        event = CodeEvent.objects.get(code=code)
        assert (event.event, event.by, event.link) == (EventKind.CREATION, head, link)


def test_mass_creation_skips_other_contacts_refusals_valid_codes_and_other_schools(
    school, other_school, head, open_service
):
    other_contact = make_pair(school, rank=LegalRank.OTHER)
    refused = make_pair(school)
    services.car_refusals_record(school=school, link_ids=[refused.pk], by=head)
    has_code = make_pair(school)
    make_car(has_code)
    elsewhere = make_pair(other_school)
    report = services.car_create_bulk(
        school=school, link_ids=[other_contact.pk, refused.pk, has_code.pk, elsewhere.pk], by=head
    )
    assert (report.created, report.refused, report.already_valid, report.not_eligible) == (0, 1, 1, 2)
    assert valid_cars(other_contact) == valid_cars(refused) == valid_cars(elsewhere) == []
    assert len(valid_cars(has_code)) == 1


def test_a_link_half_in_another_school_is_neither_given_a_code_nor_refused(school, other_school, head, open_service):
    """The school is checked on the student and on the guardian of every checked id (QA)."""
    from siecle.factories import GuardianFactory

    foreign_guardian = make_pair(school)
    foreign_guardian.guardian.school = other_school
    foreign_guardian.guardian.save()
    foreign_student = GuardianLinkFactory(student__school=other_school, guardian=GuardianFactory(school=school))
    ids = [foreign_guardian.pk, foreign_student.pk]
    assert services.car_create_bulk(school=school, link_ids=ids, by=head).not_eligible == 2
    assert services.car_refusals_record(school=school, link_ids=ids, by=head) == 0
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()
    assert not AccessRefusal.objects.exists()


def test_a_second_submission_of_the_same_form_creates_nothing(school, head, open_service):
    links = [make_pair(school) for _ in range(4)]
    services.car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head)
    again = services.car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head)
    assert again.created == 0 and again.already_valid == 4
    assert ActivationCode.objects.filter(kind=CodeKind.CAR).count() == 4


def test_mass_creation_uses_a_constant_number_of_statements(school, head, django_assert_max_num_queries, open_service):
    small = [make_pair(school, last_name=f"A{i}") for i in range(3)]
    large = [make_pair(school, last_name=f"B{i}") for i in range(60)]
    with django_assert_max_num_queries(8):
        services.car_create_bulk(school=school, link_ids=[x.pk for x in small], by=head)
    with django_assert_max_num_queries(8):
        services.car_create_bulk(school=school, link_ids=[x.pk for x in large], by=head)


def test_new_code_invalidates_the_valid_one(school, head):
    link = make_pair(school)
    old = make_car(link, notified=datetime.date(2026, 10, 1), mode=NotificationMode.EMAIL)
    result = services.car_regenerate(link=link, by=head)
    new = result.code
    assert result.replaced
    old.refresh_from_db()
    assert not old.is_valid and old.change_kind == EventKind.INVALIDATION and old.notified_at
    assert new.is_valid and new.value != old.value and new.notified_at is None
    assert valid_cars(link) == [new]
    kinds = list(CodeEvent.objects.filter(link=link).order_by("pk").values_list("event", flat=True))
    assert kinds == [EventKind.INVALIDATION, EventKind.CREATION]


def test_new_code_for_a_pair_without_a_valid_one_replaces_nothing(school, head):
    link = make_pair(school)
    make_car(link, value="0000000000001", valid=False)
    result = services.car_regenerate(link=link, by=head)
    assert not result.replaced and valid_cars(link) == [result.code]
    kinds = list(CodeEvent.objects.filter(link=link).values_list("event", flat=True))
    assert kinds == [EventKind.CREATION]


def test_mass_creation_is_refused_while_no_service_is_open(school, head):
    link = make_pair(school)
    with pytest.raises(CodeError, match="Aucun téléservice n'est ouvert"):
        services.car_create_bulk(school=school, link_ids=[link.pk], by=head)
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()
    assert not CodeEvent.objects.filter(kind=CodeKind.CAR).exists()


def test_new_code_is_refused_to_a_pair_that_refused_the_access(school, head):
    link = make_pair(school)
    services.car_refusal_record(link=link, by=head)
    with pytest.raises(CodeError, match="refusé"):
        services.car_regenerate(link=link, by=head)
    assert valid_cars(link) == []


def test_new_code_is_refused_to_another_contact(school, head):
    link = make_pair(school, rank=LegalRank.OTHER)
    with pytest.raises(CodeError, match="légaux"):
        services.car_regenerate(link=link, by=head)


def test_invalidate_leaves_the_pair_without_valid_code(school, head):
    link = make_pair(school)
    code = make_car(link)
    services.car_invalidate(link=link, by=head)
    code.refresh_from_db()
    assert not code.is_valid and code.invalidated_at
    assert CodeEvent.objects.get(link=link).event == EventKind.INVALIDATION
    with pytest.raises(CodeError):
        services.car_invalidate(link=link, by=head)


def test_a_refusal_invalidates_the_valid_code_and_blocks_creation_until_lifted(school, head, open_service):
    link = make_pair(school)
    code = make_car(link)
    services.car_refusal_record(link=link, by=head)
    code.refresh_from_db()
    assert not code.is_valid
    assert AccessRefusal.objects.filter(link=link).exists()
    assert services.car_create_bulk(school=school, link_ids=[link.pk], by=head).created == 0
    services.car_refusal_lift(link=link, by=head)
    assert not AccessRefusal.objects.filter(link=link).exists()
    assert services.car_create_bulk(school=school, link_ids=[link.pk], by=head).created == 1
    kinds = list(CodeEvent.objects.filter(link=link).order_by("pk").values_list("event", flat=True))
    assert kinds == [EventKind.INVALIDATION, EventKind.REFUSAL, EventKind.REFUSAL_LIFTED, EventKind.CREATION]


def test_bulk_refusals_ignore_other_schools_and_pairs_already_refused(school, other_school, head):
    mine = [make_pair(school) for _ in range(3)]
    theirs = make_pair(other_school)
    assert services.car_refusals_record(school=school, link_ids=[mine[0].pk, theirs.pk], by=head) == 1
    assert services.car_refusals_record(school=school, link_ids=[x.pk for x in mine], by=head) == 2
    assert not AccessRefusal.objects.filter(link=theirs).exists()
    assert services.car_refusals_lift(school=school, link_ids=[x.pk for x in mine] + [theirs.pk], by=head) == 3


def test_an_unnotified_code_can_be_withdrawn_but_a_notified_one_is_kept(school, head):
    fresh, sent = make_pair(school), make_pair(school)
    make_car(fresh)
    make_car(sent, notified=datetime.date(2026, 10, 1), mode=NotificationMode.LETTER)
    assert services.car_invalidate_unnotified_bulk(school=school, link_ids=[fresh.pk, sent.pk], by=head) == 1
    assert valid_cars(fresh) == [] and len(valid_cars(sent)) == 1


def test_a_guardian_who_stops_being_legal_loses_his_code(school):
    link = make_pair(school)
    code = make_car(link)
    links_lost_legal_rank.send(sender=None, school=school, link_ids=[link.pk])
    code.refresh_from_db()
    assert not code.is_valid
    assert "légal" in CodeEvent.objects.get(code=code, event=EventKind.INVALIDATION).detail


@pytest.mark.django_db(transaction=True)
def test_two_heads_pressing_new_code_at_once_leave_exactly_one_valid_code():
    school = SchoolFactory()
    link = GuardianLinkFactory(student__school=school)
    make_car(link)
    barrier = threading.Barrier(2)
    errors = []

    def press():
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.car_regenerate(link=link, by=None)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ActivationCode.objects.filter(link=link).count() == 3
    assert ActivationCode.objects.filter(link=link, is_valid=True).count() == 1
    assert connection.vendor == "postgresql"

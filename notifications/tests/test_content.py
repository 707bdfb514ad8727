"""The content of letters and e-mails: who gets one, what it lists, from when codes work."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from codes.models import ActivationCode, CodeKind, EventKind
from notifications.content import (
    activation_url,
    checked_email,
    codes_usable_from,
    guardian_letters,
    student_letters,
)
from services.models import LetterType
from services.services import letter_settings_update, service_open, teleservices_activate
from siecle.factories import DivisionFactory, EntFactory, GuardianFactory, GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _code(*, school, student, link=None, value, valid=True, continuity=None, created_at=None):
    at = created_at or timezone.now()
    return ActivationCode.objects.create(
        kind=CodeKind.CAR if link else CodeKind.CAE,
        school=school,
        student=student,
        link=link,
        value=value,
        is_valid=valid,
        created_at=at,
        changed_at=at,
        change_kind=EventKind.CREATION,
        continuity_at=continuity,
    )


@pytest.fixture
def family(school):
    """Madame Marie DUPONT with two children in the school (3A and 5B), each with a valid CAR."""
    mother = GuardianFactory(school=school, civility="MME", first_name="Marie", last_name="DUPONT")
    links = []
    for first, division, value in (("Léa", "3A", "1W2JFML8EABKK"), ("Tom", "5B", "2ABCDEFGHJKLM")):
        student = StudentFactory(
            school=school, last_name="DUPONT", first_name=first, division=DivisionFactory(school=school, code=division)
        )
        link = GuardianLinkFactory(student=student, guardian=mother, legal_rank=LegalRank.LEGAL_1)
        _code(school=school, student=student, link=link, value=value)
        links.append(link)
    return mother, links


def test_one_letter_per_guardian_lists_both_children_with_class_and_code(school, family):
    mother, links = family
    letters = guardian_letters(school=school, link_ids=[link.pk for link in links])
    assert len(letters) == 1
    letter = letters[0]
    assert letter.guardian_id == mother.pk
    assert letter.addressee == "Madame Marie DUPONT"
    assert letter.postal_lines == ["32 rue Camille Pelletan", "78800 HOUILLES"]
    assert [(c.first_name, c.division, c.code) for c in letter.children] == [
        ("Léa", "3A", "1W2J - FML - 8EA - BKK"),
        ("Tom", "5B", "2ABC - DEF - GHJ - KLM"),
    ]
    assert letter.children[0].qr_url == "https://teleservices.test.example/activation/#code=1W2JFML8EABKK"
    assert letter.school.name == "Collège Jean Moulin"
    assert letter.continuity is False


def test_only_pairs_holding_a_valid_car_are_listed(school, family):
    mother, links = family
    ActivationCode.objects.filter(link=links[1]).update(is_valid=False)
    no_code = GuardianLinkFactory(student__school=school, legal_rank=LegalRank.LEGAL_2)
    other_contact = GuardianLinkFactory(student__school=school, legal_rank=LegalRank.OTHER)
    _code(school=school, student=other_contact.student, link=other_contact, value="3ZZZZZZZZZZZZ")

    letters = guardian_letters(school=school, link_ids=[links[0].pk, links[1].pk, no_code.pk, other_contact.pk])

    assert [[c.first_name for c in letter.children] for letter in letters] == [["Léa"]]


def test_pairs_of_another_school_are_ignored(school, other_school, family):
    stranger = GuardianLinkFactory(student__school=other_school, legal_rank=LegalRank.LEGAL_1)
    _code(school=other_school, student=stranger.student, link=stranger, value="3YYYYYYYYYYYY")
    assert guardian_letters(school=school, link_ids=[stranger.pk]) == []


def test_letters_are_sorted_by_guardian_name_and_a_guardian_without_address_has_no_postal_lines(school, family):
    lonely = GuardianLinkFactory(
        student__school=school,
        guardian=GuardianFactory(school=school, last_name="ARNAUD", address_line1="", city="", postcode=""),
    )
    _code(school=school, student=lonely.student, link=lonely, value="3KQ7M2PZ8B4RT")
    _, links = family
    letters = guardian_letters(school=school, link_ids=[lonely.pk, *(link.pk for link in links)])
    assert [letter.addressee.split()[-1] for letter in letters] == ["ARNAUD", "DUPONT"]
    assert letters[0].postal_lines == []


def test_continuity_is_flagged_when_one_code_has_a_continuity_date(school, family):
    _, links = family
    ActivationCode.objects.filter(link=links[1]).update(continuity_at=datetime.date(2026, 9, 3))
    assert guardian_letters(school=school, link_ids=[link.pk for link in links])[0].continuity is True


def test_the_number_of_queries_does_not_grow_with_the_letters(school, family, django_assert_max_num_queries):
    _, links = family
    ids = [link.pk for link in links]
    for n in range(20):
        link = GuardianLinkFactory(student__school=school)
        _code(school=school, student=link.student, link=link, value=f"1{n:012d}")
        ids.append(link.pk)
    school.refresh_from_db()
    with django_assert_max_num_queries(5):
        letters = guardian_letters(school=school, link_ids=ids)
    assert len(letters) == 21


def test_default_letter_type_prints_the_teleservices_address_and_no_ent(school, family):
    _, links = family
    access = guardian_letters(school=school, link_ids=[links[0].pk])[0].access
    assert access.letter_type == LetterType.TELESERVICES
    assert access.show_teleservices_url and not access.show_ent_url
    assert access.teleservices_url == "https://teleservices.test.example/"
    assert access.ent_name == ""


@pytest.mark.parametrize("letter_type", [LetterType.MIXED, LetterType.ENT_ONLY])
def test_ent_letter_types_name_the_ent_and_print_only_its_address(school, head, family, letter_type):
    ent = EntFactory(academy=school.academy, description="e-lyco", url="https://e-lyco.test.example/")
    letter_settings_update(school=school, letter_type=letter_type, ent=ent, by=head)
    _, links = family
    access = guardian_letters(school=school, link_ids=[links[0].pk])[0].access
    assert (access.ent_name, access.ent_url) == ("e-lyco", "https://e-lyco.test.example/")
    assert access.show_ent_url and not access.show_teleservices_url


def test_open_services_are_listed_in_french(school, head, family):
    _, links = family
    assert guardian_letters(school=school, link_ids=[links[0].pk])[0].access.open_services == []
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    service_open(school=school, service="absences", by=head)
    labels = guardian_letters(school=school, link_ids=[links[0].pk])[0].access.open_services
    assert labels == ["Consultation des absences", "Consultation des notes"]


def test_a_code_created_in_the_day_works_from_the_next_day(settings):
    settings.REPLICATION_HOUR = 2
    created = datetime.datetime(2030, 3, 10, 15, 30, tzinfo=PARIS)
    assert codes_usable_from(created_at=created) == datetime.date(2030, 3, 11)


def test_a_code_created_before_the_nightly_run_works_the_same_day(settings):
    settings.REPLICATION_HOUR = 2
    created = datetime.datetime(2030, 3, 10, 1, 59, tzinfo=PARIS)
    assert codes_usable_from(created_at=created) == datetime.date(2030, 3, 10)


def test_the_start_date_is_read_in_paris_time(settings):
    settings.REPLICATION_HOUR = 2
    # 23:30 UTC on the 9th is 00:30 on the 10th in Paris (winter): before the 2 o'clock run.
    created = datetime.datetime(2030, 1, 9, 23, 30, tzinfo=datetime.UTC)
    assert codes_usable_from(created_at=created) == datetime.date(2030, 1, 10)


def test_the_start_date_is_never_in_the_past():
    long_ago = timezone.now() - datetime.timedelta(days=40)
    assert codes_usable_from(created_at=long_ago) == timezone.localdate()


def test_a_letter_starts_from_its_latest_code(school, family):
    _, links = family
    future = timezone.now() + datetime.timedelta(days=5)
    ActivationCode.objects.filter(link=links[1]).update(created_at=future)
    letter = guardian_letters(school=school, link_ids=[link.pk for link in links])[0]
    assert letter.access.usable_from == codes_usable_from(created_at=future)
    assert letter.access.usable_from > timezone.localdate()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("marie@famille.example", "marie@famille.example"),
        ("marie@famille.example\r\nBcc: x@evil.example", ""),
        ("marie@famille.example, x@evil.example", ""),
        ("Marie <marie@famille.example>", ""),
        ("", ""),
    ],
)
def test_only_one_plain_address_is_kept(stored, expected):
    assert checked_email(stored) == expected


def test_the_activation_link_carries_the_raw_code_in_the_fragment():
    url = activation_url(teleservices_url="https://ts.example/portail", value="1W2J - FML - 8EA - BKK")
    assert url == "https://ts.example/portail/activation/#code=1W2JFML8EABKK"


def test_student_letter_names_the_student_and_his_code(school):
    student = StudentFactory(
        school=school, first_name="Léa", last_name="DUPONT", division=DivisionFactory(school=school, code="4C")
    )
    # Every student gets his CAE with him (D1); one without a valid CAE gets no letter.
    cae = ActivationCode.objects.get(student=student, kind=CodeKind.CAE)
    cae.value = "1W2JFML8EABKK"
    cae.save(update_fields=["value_sealed", "value_lookup"])
    without_code = StudentFactory(school=school)
    ActivationCode.objects.filter(student=without_code).update(is_valid=False)
    letters = student_letters(school=school, student_ids=[student.pk, without_code.pk])
    assert len(letters) == 1
    letter = letters[0]
    assert (letter.addressee, letter.division, letter.birth_date) == ("Léa DUPONT", "4C", student.birth_date)
    assert letter.child.code == "1W2J - FML - 8EA - BKK"

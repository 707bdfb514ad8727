"""Who the mass notification screens list and send to (C3, D2): one rule per test."""

from __future__ import annotations

import datetime

import pytest

from cae.services import cae_create_for_students
from codes.models import AccessRefusal, ActivationCode, CodeKind
from codes.selectors import Selection
from codes.tests.factories import day, make_car, make_pair
from notifications.selectors import (
    MODE_BOTH,
    MODE_EMAIL,
    MODE_LETTER,
    REFUSED_NO,
    REFUSED_YES,
    WHO_ALL,
    WHO_NEW,
    WHO_NO_ACCOUNT,
    guardian_notify_rows,
    guardian_notify_values,
    guardian_pairs_to_notify,
    student_notify_rows,
    student_notify_values,
    students_to_notify,
)
from siecle.factories import GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

pytestmark = pytest.mark.django_db
ALL = Selection()


def _listed(school, **kwargs) -> set[int]:
    kwargs.setdefault("ranks", [1, 2])
    kwargs.setdefault("who", WHO_ALL)
    return set(
        guardian_pairs_to_notify(school=school, selection=kwargs.pop("selection", ALL), **kwargs).values_list(
            "pk", flat=True
        )
    )


def test_only_pairs_with_a_valid_car_and_no_refusal_are_listed(school):
    with_code = make_pair(school, last_name="AVEC")
    make_car(with_code)
    without_code = make_pair(school, last_name="SANS")
    invalid = make_pair(school, last_name="INVALIDE")
    make_car(invalid, valid=False)
    refused = make_pair(school, last_name="REFUS")
    make_car(refused)
    AccessRefusal.objects.create(
        kind=CodeKind.CAR, school=school, student=refused.student, link=refused, recorded_at=refused.created_at
    )
    assert _listed(school) == {with_code.pk}
    assert without_code.pk not in _listed(school)


def test_students_who_left_and_other_contacts_are_never_listed(school):
    left = make_pair(school, last_name="PARTI")
    make_car(left)
    left.student.has_left = True
    left.student.save()
    contact = make_pair(school, last_name="CONTACT", rank=LegalRank.OTHER)
    ActivationCode.objects.filter(link=contact).delete()
    make_car(contact)
    assert _listed(school) == set()


def test_legal_rank_filter_keeps_legal_1_or_legal_2(school):
    first = make_pair(school, last_name="UN", rank=LegalRank.LEGAL_1)
    second = GuardianLinkFactory(student=first.student, legal_rank=LegalRank.LEGAL_2)
    make_car(first)
    make_car(second)
    assert _listed(school, ranks=[1]) == {first.pk}
    assert _listed(school, ranks=[2]) == {second.pk}
    assert _listed(school, ranks=[1, 2]) == {first.pk, second.pk}


def test_who_new_no_account_and_all(school):
    new = make_pair(school, last_name="NOUVEAU")
    make_car(new)
    notified = make_pair(school, last_name="NOTIFIE")
    make_car(notified, notified=day("2026-09-20"), mode="C")
    with_account = make_pair(school, last_name="COMPTE")
    code = make_car(with_account, notified=day("2026-09-20"), mode="M")
    code.account_id = 42
    code.save()
    assert _listed(school, who=WHO_NEW) == {new.pk}
    assert _listed(school, who=WHO_NO_ACCOUNT) == {notified.pk}
    assert _listed(school, who=WHO_ALL) == {new.pk, notified.pk, with_account.pk}


def test_population_by_division_and_by_mef(school):
    a = make_pair(school, last_name="A", division="3A", mef="3EME")
    b = make_pair(school, last_name="B", division="6B", mef="6EME")
    make_car(a)
    make_car(b)
    assert _listed(school, selection=Selection(division=a.student.division)) == {a.pk}
    assert _listed(school, selection=Selection(mef=b.student.mef)) == {b.pk}


def test_another_schools_pairs_are_never_listed(school, other_school):
    mine = make_pair(school)
    make_car(mine)
    theirs = make_pair(other_school)
    make_car(theirs)
    assert _listed(school) == {mine.pk}


def test_rows_show_the_manual_columns_and_flag_continuity(school):
    link = make_pair(school, last_name="MARTIN", division="4C", first_name="Léa")
    link.guardian.civility, link.guardian.last_name, link.guardian.first_name = "MME", "MARTIN", "Anne"
    link.guardian.email = "anne.martin@famille.example"
    link.guardian.save()
    make_car(link, notified=day("2026-09-28"), mode="C", continuity=day("2026-10-10"))
    (row,) = guardian_notify_rows(guardian_notify_values(guardian_pairs_to_notify(school=school, selection=ALL)))
    assert row.student_name == "MARTIN Léa" and row.division == "4C"
    assert row.guardian_name == "MME MARTIN Anne" and row.rank_label == "Légal 1"
    assert row.notified_at == datetime.date(2026, 9, 28) and row.mode_label == "Courrier"
    assert row.is_continuity
    assert row.contact(MODE_EMAIL) == "anne.martin@famille.example"
    assert "HOUILLES" in row.contact(MODE_LETTER)
    assert row.contact(MODE_BOTH) == "anne.martin@famille.example"


def test_the_contact_column_is_blank_when_the_mode_has_nothing_to_use(school):
    link = make_pair(school)
    link.guardian.email, link.guardian.address_line1, link.guardian.city, link.guardian.postcode = "", "", "", ""
    link.guardian.save()
    make_car(link)
    (row,) = guardian_notify_rows(guardian_notify_values(guardian_pairs_to_notify(school=school, selection=ALL)))
    assert row.contact(MODE_EMAIL) == "" and row.contact(MODE_LETTER) == "" and row.contact(MODE_BOTH) == ""
    assert not row.is_continuity


def test_an_email_that_could_inject_headers_is_not_shown_as_usable(school):
    link = make_pair(school)
    link.guardian.email = "a@b.example\r\nBcc: pirate@evil.example"
    link.guardian.save()
    make_car(link)
    (row,) = guardian_notify_rows(guardian_notify_values(guardian_pairs_to_notify(school=school, selection=ALL)))
    assert row.contact(MODE_EMAIL) == ""


def test_the_guardian_list_reads_a_page_in_constant_queries(school, django_assert_max_num_queries):
    for i in range(30):
        link = make_pair(school, last_name=f"ELEVE{i}", division=f"D{i % 3}")
        make_car(link, continuity=day("2026-10-01") if i % 2 else None)
    with django_assert_max_num_queries(1):
        rows = guardian_notify_rows(
            guardian_notify_values(guardian_pairs_to_notify(school=school, selection=ALL))[:200]
        )
    assert len(rows) == 30


# --- D2 -------------------------------------------------------------------------------------


def _students(school, **kwargs) -> set[int]:
    return set(students_to_notify(school=school, selection=ALL, **kwargs).values_list("pk", flat=True))


def test_students_not_notified_or_all(school):
    new, notified = StudentFactory(school=school), StudentFactory(school=school)
    ActivationCode.objects.filter(student=notified, kind=CodeKind.CAE).update(notified_at=day("2026-09-21"))
    assert _students(school, who=WHO_NEW) == {new.pk}
    assert _students(school, who=WHO_ALL) == {new.pk, notified.pk}


def test_students_refusal_filter_all_yes_no(school):
    accepted, refused = StudentFactory(school=school), StudentFactory(school=school)
    AccessRefusal.objects.create(kind=CodeKind.CAE, school=school, student=refused, recorded_at=refused.created_at)
    assert _students(school, refused=REFUSED_YES) == {refused.pk}
    assert _students(school, refused=REFUSED_NO) == {accepted.pk}
    assert _students(school) == {accepted.pk, refused.pk}


def test_students_who_left_or_of_another_school_are_not_listed(school, other_school):
    present = StudentFactory(school=school)
    StudentFactory(school=school, has_left=True)
    StudentFactory(school=other_school)
    cae_create_for_students(school=school, student_ids=[present.pk])
    assert _students(school) == {present.pk}


def test_student_rows_flag_continuity_in_constant_queries(school, django_assert_max_num_queries):
    students = [StudentFactory(school=school, last_name=f"NOM{i}") for i in range(20)]
    ActivationCode.objects.filter(student=students[0], kind=CodeKind.CAE).update(continuity_at=day("2026-10-10"))
    with django_assert_max_num_queries(1):
        rows = student_notify_rows(student_notify_values(students_to_notify(school=school, selection=ALL))[:200])
    assert len(rows) == 20
    assert [r.is_continuity for r in rows].count(True) == 1

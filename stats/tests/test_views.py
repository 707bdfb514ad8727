"""The statistics screens: figures shown, CSV exports, tenancy, academy table, query counts."""

import csv
import html
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import MODEL_BACKEND
from siecle.factories import AcademyFactory, SchoolFactory
from siecle.models import Division, Guardian, GuardianLink, LegalRank, Mef, Student
from staff.services import staff_user_create_or_update
from stats.tests.conftest import build_known_school, make_car, set_cae

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def text(response) -> str:
    return html.unescape(response.content.decode())


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def signed_in(user, school=None) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    if school is not None:
        session = client.session
        session["current_school_id"] = school.pk
        session.save()
    return client


# --- The two screens ---------------------------------------------------------------------


def test_the_students_page_shows_the_school_then_each_mef_with_its_sum(head_client, known_school):
    response = head_client.get(reverse("stats:students"))
    assert response.status_code == 200
    page = text(response)
    assert "<h1" in page and "Synthèse des codes élèves" in page
    assert '<caption class="caption-top fw-semibold text-body">MEF 3EME</caption>' in page
    assert f"66,67{NBSP}%" in page and f"33,33{NBSP}%" in page  # 3A
    assert f"40{NBSP}%" in page and f"20{NBSP}%" in page  # the school
    assert '<th scope="row">Somme</th>' in page
    assert page.index("Ensemble de l'établissement") < page.index("MEF 3EME") < page.index("MEF 6EME")


def test_the_guardians_page_shows_persons_and_the_students_rate(head_client, known_school):
    page = text(head_client.get(reverse("stats:guardians")))
    assert "Synthèse des codes responsables" in page
    assert f"60{NBSP}%" in page  # students with a guardian holding an account, school-wide
    assert '<th scope="col" class="text-end">Nombre de codes notifiés cette année</th>' in page
    assert "01/09/2026 – 31/08/2027" in page


def test_the_tables_are_accessible_and_printable(head_client, known_school):
    page = text(head_client.get(reverse("stats:students")))
    assert page.count("<caption") == 3  # the school, 3EME, 6EME
    assert "<th>" not in page and "<th scope=" in page
    assert 'class="d-flex gap-2 my-2 no-print"' in page and "data-codes-print" in page


def test_an_empty_school_says_there_is_nothing_to_count(head_client, school):
    page = text(head_client.get(reverse("stats:guardians")))
    assert "Aucun élève présent" in page and f"0{NBSP}%" in page


# --- CSV exports ---------------------------------------------------------------------------


def test_the_students_export_has_the_screens_figures(head_client, known_school):
    response = head_client.get(reverse("stats:export", args=["eleves"]))
    assert response["Content-Type"].startswith("text/csv")
    assert f"statistiques-eleves-{known_school.uaj}.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Niveau", "MEF", "Division", "Nombre d'élèves"]
    assert rows[1] == ["Établissement", "", "", "5", "1", "3", "2", "40 %", "20 %"]
    assert ["Division", "3EME", "3A", "3", "1", "2", "2", "66,67 %", "33,33 %"] in rows
    assert ["Somme du MEF", "3EME", "", "4", "1", "2", "2", "50 %", "25 %"] in rows


def test_the_guardians_export_counts_persons_once_for_the_school(head_client, known_school):
    rows = csv_rows(head_client.get(reverse("stats:export", args=["responsables"])))
    assert rows[1] == ["Établissement", "", "", "4", "1", "3", "2", "2", "50 %", "25 %", "60 %"]
    assert ["Division", "6EME", "6A", "1", "0", "1", "0", "1", "100 %", "0 %", "100 %"] in rows


def test_an_unknown_export_is_not_found(head_client, school):
    assert head_client.get(reverse("stats:export", args=["autre"])).status_code == 404


# --- Tenancy -------------------------------------------------------------------------------


def test_another_schools_head_sees_only_his_own_figures(other_client, known_school, other_school):
    page = text(other_client.get(reverse("stats:students")))
    assert other_school.name in page and known_school.name not in page
    assert "MEF 3EME" not in page and "Aucun élève présent" in page
    rows = csv_rows(other_client.get(reverse("stats:export", args=["responsables"])))
    assert rows[1] == ["Établissement", "", "", "0", "0", "0", "0", "0", "0 %", "0 %", "0 %"]


def test_a_head_who_forges_another_school_in_his_session_still_sees_his_own(other_client, known_school):
    session = other_client.session
    session["current_school_id"] = known_school.pk
    session.save()
    assert "MEF 3EME" not in text(other_client.get(reverse("stats:guardians")))


def test_the_pages_need_sign_in(client, school):
    for url in (reverse("stats:students"), reverse("stats:export", args=["eleves"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_the_pages_refuse_post(head_client, school):
    assert head_client.post(reverse("stats:students")).status_code == 405


# --- The academy table -----------------------------------------------------------------------


@pytest.fixture
def academy_staff(school):
    user, _ = staff_user_create_or_update(username="dsi", academy=school.academy)
    return user


def test_academy_staff_see_one_row_per_school_and_the_academys_total(academy_staff, known_school, other_school):
    build_known_school(other_school)
    response = signed_in(academy_staff).get(reverse("stats:academy", args=[known_school.academy.code]))
    assert response.status_code == 200
    page = text(response)
    assert f"{known_school.uaj} {known_school.name}" in page and f"{other_school.uaj} {other_school.name}" in page
    assert '<th scope="row">Académie</th>' in page
    rows = csv_rows(
        signed_in(academy_staff).get(reverse("stats:academy_export", args=[known_school.academy.code, "responsables"]))
    )
    assert rows[0][:3] == ["UAJ", "Établissement", "Nombre de responsables"]
    by_uaj = {row[0]: row for row in rows[1:]}
    assert by_uaj[known_school.uaj][2:] == ["4", "1", "3", "2", "2", "50 %", "25 %", "60 %"]
    assert by_uaj["Académie"][2:] == ["8", "2", "6", "4", "4", "50 %", "25 %", "60 %"]
    rows = csv_rows(
        signed_in(academy_staff).get(reverse("stats:academy_export", args=[known_school.academy.code, "eleves"]))
    )
    assert {row[0]: row for row in rows[1:]}[other_school.uaj][2:] == ["5", "1", "3", "2", "40 %", "20 %"]


def test_the_school_pages_link_to_the_academy_table_for_academy_staff_only(academy_staff, head_client, school):
    link = reverse("stats:academy", args=[school.academy.code])
    assert link in text(signed_in(academy_staff, school).get(reverse("stats:students")))
    assert link not in text(head_client.get(reverse("stats:students")))


def test_the_academy_table_is_not_found_for_a_school_head(head_client, school):
    code = school.academy.code
    assert head_client.get(reverse("stats:academy", args=[code])).status_code == 404
    assert head_client.get(reverse("stats:academy_export", args=[code, "eleves"])).status_code == 404


def test_the_academy_table_is_not_found_for_another_academys_staff(school):
    other_academy = AcademyFactory(code="AUTRE", name="Autre académie")
    user, _ = staff_user_create_or_update(username="dsi.autre", academy=other_academy)
    client = signed_in(user)
    assert client.get(reverse("stats:academy", args=[school.academy.code])).status_code == 404
    assert client.get(reverse("stats:academy", args=["AUTRE"])).status_code == 200


def test_the_academy_table_needs_sign_in(client, school):
    response = client.get(reverse("stats:academy", args=[school.academy.code]))
    assert response.status_code == 302


# --- Query counts ----------------------------------------------------------------------------


def _grow(school, *, mefs: int, divisions: int, students: int, tag: str = "") -> None:
    """Add MEFs × divisions × students, two legal guardians each, codes in every state (bulk)."""
    for m in range(mefs):
        mef = Mef.objects.create(school=school, code=f"M{tag}{m:09d}", label=f"NIVEAU {tag}{m}")
        for d in range(divisions):
            division = Division.objects.create(school=school, code=f"N{tag}{m}-{d}")
            for s in range(students):
                student = Student.objects.create(
                    school=school, siecle_id=f"{tag}{m}-{d}-{s}", last_name="ELEVE", first_name="X", mef=mef,
                    division=division, has_left=s == 0,
                )  # fmt: skip
                set_cae(student, notified=student.created_at.date(), account=student.pk if s % 2 else None)
                guardians = Guardian.objects.bulk_create(
                    [Guardian(school=school, siecle_id=f"{student.pk}-{r}", last_name="PARENT") for r in (1, 2)]
                )
                for rank, guardian in zip((LegalRank.LEGAL_1, LegalRank.LEGAL_2), guardians, strict=True):
                    link = GuardianLink.objects.create(student=student, guardian=guardian, legal_rank=rank)
                    if s % 3:
                        make_car(link, notified=student.created_at.date(), account=link.pk if s % 2 else None)


@pytest.mark.parametrize(
    "url_name",
    ["stats:students", "stats:guardians", ("stats:export", "eleves"), ("stats:export", "responsables")],
)
def test_a_page_reads_a_fixed_number_of_queries_whatever_the_size(
    head_client, school, url_name, django_assert_max_num_queries
):
    name, *args = url_name if isinstance(url_name, tuple) else (url_name,)
    url = reverse(name, args=args)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = head_client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        return len(queries)

    _grow(school, mefs=1, divisions=1, students=2)
    small = count()
    _grow(school, mefs=3, divisions=4, students=6, tag="B")
    with django_assert_max_num_queries(small):
        response = head_client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert count() == small <= 12


def test_the_academy_table_reads_a_fixed_number_of_queries(academy_staff, school, django_assert_max_num_queries):
    url = reverse("stats:academy", args=[school.academy.code])
    client = signed_in(academy_staff)
    _grow(school, mefs=1, divisions=1, students=2)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    small = len(queries)
    for _ in range(3):
        _grow(SchoolFactory(academy=school.academy), mefs=2, divisions=2, students=3)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200

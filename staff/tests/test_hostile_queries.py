"""Every list page of the menu, and every export, survives hostile query strings: never a 500."""

import pytest
from django.urls import reverse

from services.services import service_open, teleservices_activate
from siecle.factories import DivisionFactory, GuardianLinkFactory, MefFactory, StudentFactory

from .test_tenancy import MENU_URLS

pytestmark = pytest.mark.django_db

EXPORTS = [
    ("car:export", ["creation"]),
    ("car:export", ["couples"]),
    ("cae:export", ["eleves"]),
    ("stats:export", ["eleves"]),
    ("stats:export", ["responsables"]),
]

HOSTILE = [
    "page=abc",
    "page=-1",
    "page=0",
    "page=999999",
    "page=1e9",
    "page=99999999999999999999999",
    "page=",
    "page=1&page=x",
    "mef=abc",
    "mef=-1",
    "mef=99999999999999999999999",
    "division=abc",
    "division=99999999999999999999999",
    "division={other_division}",
    "mef={other_mef}",
    "population=division&division={other_division}&filtre=tous",
    "population=mef&mef={other_mef}&filtre=sans",
    "population=nimporte&filtre=nimporte",
    "population=mef&filtre=tous",
    "nom=%00",
    "nom=" + "x" * 5000,
    "nom=%27%22%3C%3E%25_%5C",
    "retour=https://evil.example/",
    "retour=//evil.example/",
    "mef=1&mef=2&division=3&division=4",
    "tout=1&action=creer",
    "courriel=on&papier=on&rangs=1&rangs=2&qui=all&population=tous",
    "courriel=on&rangs=3&qui=nimporte",
    "papier=on&rangs=x&population=division&division={other_division}",
    "courriel=on&rangs=1&qui=all&population=tous&page=99999999999999999999999",
    "population=tous&qui=all&refus=nimporte",
    "population=tous&qui=new&refus=yes&page=-1",
]


@pytest.fixture
def hostile_queries(school, other_school, head):
    # Services open, so that the mass-creation list is really read and paginated.
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    GuardianLinkFactory(
        student__school=school,
        student__mef=MefFactory(school=school),
        student__division=DivisionFactory(school=school),
    )
    other_division = DivisionFactory(school=other_school)
    other_mef = MefFactory(school=other_school)
    return [q.format(other_division=other_division.pk, other_mef=other_mef.pk) for q in HOSTILE]


def _assert_no_crash(client, url, query):
    response = client.get(f"{url}?{query}")
    assert response.status_code in (200, 404), (url, query, response.status_code)
    if response.status_code == 404:
        assert "Page introuvable" in response.content.decode()
    if response.status_code == 200 and hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)


@pytest.mark.parametrize("name", MENU_URLS)
def test_every_menu_page_answers_hostile_query_strings_without_error(head_client, hostile_queries, name):
    for query in hostile_queries:
        _assert_no_crash(head_client, reverse(name), query)


@pytest.mark.parametrize(("name", "args"), EXPORTS)
def test_every_export_answers_hostile_query_strings_without_error(head_client, hostile_queries, name, args):
    for query in hostile_queries:
        _assert_no_crash(head_client, reverse(name, args=args), query)


def test_another_schools_division_lists_none_of_its_students_and_says_why(head_client, hostile_queries, other_school):
    theirs = StudentFactory(school=other_school, last_name="Etrangere")
    for name in ("car:manage", "cae:manage", "car:refusals"):
        response = head_client.get(reverse(name), {"division": theirs.division_id, "nom": "E"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Etrangere" not in page
        assert "Sélectionnez un choix valide" in page


def test_an_object_of_another_school_is_a_french_not_found_page(other_client, school):
    link = GuardianLinkFactory(student__school=school, student__last_name="Zwiebelkuchen")
    response = other_client.get(reverse("car:pair", args=[link.pk]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page and "n'existe pas dans votre établissement" in page
    assert link.student.last_name not in page

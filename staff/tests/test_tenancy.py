"""Each user sees and acts on his own schools only."""

import pytest
from django.http import Http404
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import MODEL_BACKEND, PASSWORD
from siecle.factories import SchoolFactory, StudentFactory
from siecle.models import Student
from staff.access import get_for_school_or_404
from staff.selectors import schools_for_user
from staff.services import staff_user_create_or_update

pytestmark = pytest.mark.django_db

MENU_NAMESPACES = {"staff", "services", "car", "cae", "stats", "imports", "notifications", "audit"}
PUBLIC = {"staff:login", "staff:logout"}
# Steps of the sign-in and POST-only account actions: not menu pages (tested in their own files).
SIGN_IN_STEPS = {"staff:second_factor", "staff:sessions_close_others", "staff:portal"}
# Pages of the academy's staff: a school head gets 404 (tested in their own files).
ACADEMY_ONLY = {"audit:academy_choose"}


def _parameterless_menu_urls():
    names = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or prefix
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name and prefix in MENU_NAMESPACES and not p.pattern.converters:
                names.append(f"{prefix}:{p.name}")

    walk(get_resolver().url_patterns, None)
    return sorted(set(names) - PUBLIC - SIGN_IN_STEPS - ACADEMY_ONLY)


MENU_URLS = _parameterless_menu_urls()


def test_the_menu_pages_are_found():
    assert "services:opening" in MENU_URLS and "car:mass_create" in MENU_URLS and "stats:guardians" in MENU_URLS


@pytest.mark.parametrize("name", MENU_URLS)
def test_every_menu_page_renders_for_the_head_with_his_school(head_client, school, name):
    response = head_client.get(reverse(name))
    assert response.status_code == 200, name
    assert school.name in response.content.decode()


@pytest.mark.parametrize("name", MENU_URLS)
def test_every_menu_page_needs_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


def test_a_user_without_school_is_sent_to_the_school_choice_and_told_so(db):
    user, _ = staff_user_create_or_update(username="orphelin", password=PASSWORD)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    response = client.get(reverse("services:opening"))
    assert response.status_code == 302 and response["Location"] == reverse("staff:choose_school")
    assert "rattaché à aucun établissement" in client.get(reverse("staff:choose_school")).content.decode()


def test_a_forged_session_school_is_ignored(other_client, school, other_school):
    session = other_client.session
    session["current_school_id"] = school.pk
    session.save()
    page = other_client.get(reverse("home")).content.decode()
    assert other_school.name in page
    assert school.name not in page


def test_a_head_cannot_pick_another_school(other_client, school):
    response = other_client.post(reverse("staff:choose_school"), {"school": school.pk})
    assert response.status_code == 200
    assert other_client.session["current_school_id"] != school.pk


def test_a_head_of_two_schools_picks_the_current_one(school, other_school):
    user, _ = staff_user_create_or_update(username="deux", password=PASSWORD, schools=[school, other_school])
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    assert client.get(reverse("home"))["Location"] == reverse("staff:choose_school")
    client.post(reverse("staff:choose_school"), {"school": other_school.pk})
    assert other_school.name in client.get(reverse("home")).content.decode()


def test_academy_staff_see_every_school_of_their_academy_only(school, other_school):
    elsewhere = SchoolFactory(academy__code="AUTRE", academy__name="Autre académie")
    user, _ = staff_user_create_or_update(username="dsi", password=PASSWORD, academy=school.academy)
    assert set(schools_for_user(user=user)) == {school, other_school}
    assert elsewhere not in schools_for_user(user=user)


def test_objects_of_another_school_are_not_found(school, other_school):
    mine = StudentFactory(school=school)
    theirs = StudentFactory(school=other_school)
    assert get_for_school_or_404(Student, school, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_for_school_or_404(Student, school, pk=theirs.pk)


def test_an_inactive_user_sees_no_school(head, school):
    head.is_active = False
    head.save()
    assert not schools_for_user(user=head).exists()


def test_the_edition_page_links_to_the_csv_exports_of_the_school(head_client, school):
    from siecle.factories import GuardianLinkFactory

    link = GuardianLinkFactory(student__school=school)
    page = head_client.get(reverse("staff:edition")).content.decode()
    export = reverse("car:export", args=["couples"])
    assert export in page
    response = head_client.get(export)
    assert response.status_code == 200
    assert link.student.last_name in b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize(
    "given, expected",
    [
        ("/responsables/gerer/?nom=DU", "/responsables/gerer/?nom=DU"),
        ("https://ailleurs.example/responsables/gerer/", "/responsables/gerer/"),
        ("//ailleurs.example/responsables/gerer/", "/responsables/gerer/"),
        ("/admin/", "/responsables/gerer/"),
        ("", "/responsables/gerer/"),
    ],
)
def test_the_return_link_never_leads_outside_our_own_lists(rf, given, expected):
    from staff.access import safe_return_url

    request = rf.get("/", {"retour": given})
    assert safe_return_url(request, allowed=("/responsables/",), default="/responsables/gerer/") == expected

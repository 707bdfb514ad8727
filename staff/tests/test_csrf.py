"""Every page that writes refuses a post without the CSRF token, and never writes on a GET."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import MODEL_BACKEND
from services.models import SchoolSettings
from siecle.factories import GuardianLinkFactory, StudentFactory

# The pair and student screens read the account block live in the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

WRITING_PAGES = [
    "services:opening",
    "services:activate",
    "services:welcome_message",
    "services:letter",
    "services:notes",
    "services:notes_confirm",
    "services:lpc",
    "services:contact",
    "car:mass_create",
    "car:refusals",
    "notifications:guardians",
    "notifications:students",
    "imports:import",
    "staff:choose_school",
    "staff:logout",
]


@pytest.fixture
def strict_client(head, school) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(head, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = school.pk
    session.save()
    return client


@pytest.mark.parametrize("name", WRITING_PAGES)
def test_a_post_without_the_csrf_token_is_refused(strict_client, name):
    response = strict_client.post(reverse(name), {"action": "creer"})
    assert response.status_code == 403
    assert "Demande refusée" in response.content.decode()


def test_the_object_actions_refuse_a_post_without_the_csrf_token(strict_client, school):
    link = GuardianLinkFactory(student__school=school)
    student = StudentFactory(school=school)
    assert strict_client.post(reverse("car:pair_action", args=[link.pk, "nouveau"])).status_code == 403
    assert strict_client.post(reverse("cae:student_action", args=[student.pk, "nouveau"])).status_code == 403
    assert (
        strict_client.post(reverse("notifications:pair_notify", args=[link.pk]), {"mode": "email"}).status_code == 403
    )
    assert strict_client.post(reverse("notifications:student_notify", args=[student.pk])).status_code == 403


def test_the_object_actions_refuse_a_get(head_client, school):
    link = GuardianLinkFactory(student__school=school)
    student = StudentFactory(school=school)
    assert head_client.get(reverse("car:pair_action", args=[link.pk, "nouveau"])).status_code == 405
    assert head_client.get(reverse("cae:student_action", args=[student.pk, "nouveau"])).status_code == 405
    assert head_client.get(reverse("notifications:pair_notify", args=[link.pk])).status_code == 405
    assert head_client.get(reverse("notifications:student_notify", args=[student.pk])).status_code == 405


def test_a_get_on_the_activation_page_activates_nothing(head_client, school):
    assert head_client.get(reverse("services:activate")).status_code == 200
    assert not SchoolSettings.objects.filter(school=school, activated_at__isnull=False).exists()


def test_logout_is_a_post_only(head_client):
    assert head_client.get(reverse("staff:logout")).status_code == 405
    assert head_client.get(reverse("home")).status_code == 200


def test_a_form_address_opened_directly_gets_a_french_page_not_an_empty_405(head_client, school):
    # From the address bar, a bookmark or the history: the browser showed its own error page.
    link = GuardianLinkFactory(student__school=school)
    for url in (reverse("staff:logout"), reverse("car:pair_action", args=[link.pk, "nouveau"])):
        response = head_client.get(url)
        assert response.status_code == 405 and "POST" in response["Allow"]
        page = response.content.decode().replace("&#x27;", "'")
        assert "Page non disponible" in page and "Retour à l'accueil" in page
        assert "Content-Security-Policy" in response


def test_school_pages_and_exports_are_never_cached(head_client, school):
    link = GuardianLinkFactory(student__school=school)
    for url in (
        reverse("car:pair", args=[link.pk]),
        reverse("cae:student", args=[link.student_id]),
        reverse("car:export", args=["couples"]),
        reverse("home"),
    ):
        response = head_client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url

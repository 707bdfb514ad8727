"""Forged form posts on every page that writes: a French message or a 404, never a 500."""

import html

import pytest
from django.urls import reverse

from services.services import service_open, teleservices_activate
from siecle.factories import GuardianLinkFactory

pytestmark = pytest.mark.django_db

POSTS = [
    ("services:opening", []),
    ("services:welcome_message", []),
    ("services:letter", []),
    ("services:notes", []),
    ("services:notes_confirm", []),
    ("services:lpc", []),
    ("services:contact", []),
    ("car:mass_create", []),
    ("car:refusals", []),
    ("notifications:guardians", []),
    ("notifications:students", []),
]

HOSTILE_BODIES = [
    {},
    {"action": "nimporte"},
    {"action": "add_selected", "add_date": "2026-13-45", "couples": ["abc", "1-", "-1"]},
    {"action": "add_selected", "add_date": "2026-10-01", "couples": ["²-²", "١-١"]},
    {
        "action": "add_selected",
        "add_date": "2026-10-01",
        "couples": ["99999999999999999999999-99999999999999999999999"],
    },
    {"action": "remove_selected", "remove_date": "pas-une-date", "couples": ["1-1"]},
    {"action": "remove_selected", "remove_date": "99999-01-01"},
    {"mode": "nimporte"},
    {"mode": "deadline"},
    {"days": "1e9"},
    {"days": "99999999999999999999999"},
    {"active": "1", "email": "pirate@evil.example"},
    {"letter_type": "nimporte", "ent": "abc"},
    {"letter_type": "ent_only", "ent": "99999999999999999999999"},
    {"action": "creer", "couples": ["abc"]},
    {"action": "creer", "couples": ["99999999999999999999999"]},
    {"action": "creer", "couples": ["-1"]},
    {"action": "creer", "tout": "1"},
    {"action": "retirer", "retraits": ["1", "x"]},
    {"action": "refuser", "couples": ["²"]},
    {"action": "autoriser", "couples": ["1e3"]},
    {"message": "a\x00b"},
    {"sans_service": "nimporte"},
    {"sans_service": ["1", "x"], "mode": ["email", "letter"]},
]


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    GuardianLinkFactory(student__school=school)
    return school


@pytest.mark.parametrize("name", [n for n, _ in POSTS])
def test_forged_posts_never_crash_a_page_that_writes(head_client, opened, name):
    for body in HOSTILE_BODIES:
        response = head_client.post(reverse(name), body)
        assert response.status_code in (200, 302, 404), (name, body, response.status_code)


NOTIFY_QUERIES = [
    "",
    "courriel=on&papier=on&rangs=1&rangs=2&qui=all&population=tous",
    "courriel=on&rangs=3&qui=nimporte&population=tous",
    "papier=on&rangs=x&population=division&division=99999999999999999999999",
    "population=tous&qui=all&refus=nimporte",
    "population=tous&qui=all&refus=yes&page=abc",
]


@pytest.mark.parametrize("name", ["notifications:guardians", "notifications:students"])
def test_forged_notify_posts_with_hostile_criteria_never_crash(head_client, opened, name):
    for query in NOTIFY_QUERIES:
        for body in ({}, {"sans_service": "on"}, {"sans_service": "\x00"}):
            response = head_client.post(f"{reverse(name)}?{query}", body)
            assert response.status_code in (200, 302), (name, query, body, response.status_code)


@pytest.mark.parametrize("body", [{}, {"mode": "pigeon"}, {"mode": ["email", "letter"]}, {"mode": "\x00"}])
def test_forged_notify_code_posts_never_crash(head_client, opened, body):
    link = GuardianLinkFactory(student__school=opened)
    student = link.student
    assert head_client.post(reverse("notifications:pair_notify", args=[link.pk]), body).status_code == 302
    assert head_client.post(reverse("notifications:student_notify", args=[student.pk]), body).status_code == 302


@pytest.mark.parametrize("action", ["nouveau", "invalider", "enlever", "autoriser", "nimporte"])
def test_forged_pair_actions_are_refused_or_done_never_a_crash(head_client, opened, action):
    link = GuardianLinkFactory(student__school=opened)
    response = head_client.post(reverse("car:pair_action", args=[link.pk, action]), {"retour": "//evil.example/"})
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "evil.example" not in response["Location"].split("?")[0]
        assert response["Location"].startswith(reverse("car:pair", args=[link.pk]))


def test_a_notes_couple_written_with_unicode_digits_gets_the_french_message(head_client, opened, head):
    from services.services import notes_mode_set

    notes_mode_set(school=opened, mode="deadline", by=head)
    response = head_client.post(
        reverse("services:notes"), {"action": "add_selected", "add_date": "2026-10-01", "couples": ["²-²"]}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Un couple MEF / division choisi n'existe pas dans l'établissement." in page


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/responsables/gerer/{HUGE}/",
        f"/eleves/gerer/{HUGE}/",
        "/responsables/gerer/0/",
        "/eleves/gerer/0/",
        "/taches/00000000-0000-0000-0000-000000000000/etat/",
        "/import/00000000-0000-0000-0000-000000000000/",
        "/statistiques/academie/%3Cscript%3E/",
        "/statistiques/export/nimporte/",
        "/notifications/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_made_up_object_urls_are_a_french_not_found(head_client, path):
    response = head_client.get(path)
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        f"/responsables/gerer/{HUGE}/nouveau/",
        f"/eleves/gerer/{HUGE}/nouveau/",
        "/import/00000000-0000-0000-0000-000000000000/appliquer/",
        "/import/00000000-0000-0000-0000-000000000000/annuler/",
        f"/responsables/gerer/{HUGE}/notifier/",
        f"/eleves/gerer/{HUGE}/notifier/",
    ],
)
def test_made_up_object_actions_are_a_not_found(head_client, path):
    assert head_client.post(path).status_code == 404


@pytest.mark.parametrize("value", ["abc", HUGE, "-1", ""])
def test_a_forged_school_choice_is_refused_without_error(head_client, school, value):
    response = head_client.post(reverse("staff:choose_school"), {"school": value})
    assert response.status_code == 200
    assert head_client.session["current_school_id"] == school.pk

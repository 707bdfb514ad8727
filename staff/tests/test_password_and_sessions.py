"""Password lifecycle: forced change of IT-issued passwords, the change page, session ages, other sessions."""

import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from staff.models import StaffSession

pytestmark = pytest.mark.django_db

NEW = "Une-phrase-de-passe-neuve-93"


def sign_in(username, password, ip="10.0.0.1"):
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def issued_password(capsys, *args):
    call_command("create_school_user", *args)
    return capsys.readouterr().out.split("mot de passe : ", 1)[1].split()[0]


def test_an_it_issued_password_must_be_changed_before_anything_else(capsys, school, clock):
    password = issued_password(capsys, "chef.neuf", "--uaj", school.uaj)
    client = sign_in("chef.neuf", password)
    for page in ("/", "/gestion/", "/admin/", "/compte/sessions/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe/", page
    form = client.get("/compte/mot-de-passe/")
    assert "fourni par l'assistance" in form.content.decode()
    # Wrong current password: refused, nothing changed, still forced.
    refused = client.post(
        "/compte/mot-de-passe/",
        {"old_password": "pas-le-bon", "new_password1": NEW, "new_password2": NEW},
    )
    assert "Le mot de passe actuel est incorrect" in refused.content.decode()
    assert client.get("/").status_code == 302
    # Same password again: refused.
    same = client.post(
        "/compte/mot-de-passe/", {"old_password": password, "new_password1": password, "new_password2": password}
    )
    assert "doit être différent" in same.content.decode()
    done = client.post("/compte/mot-de-passe/", {"old_password": password, "new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert User.objects.get(username="chef.neuf").check_password(NEW)
    # The next sign-in is not forced any more.
    again = sign_in("chef.neuf", NEW)
    assert again.get("/").status_code == 200


def test_the_change_page_applies_every_validator_and_keeps_the_form(head, clock):
    client = sign_in("chef", PASSWORD)
    response = client.post(
        "/compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": "azerty2026", "new_password2": "azerty2026"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "plus utilisés en France" in body
    assert User.objects.get(username="chef").check_password(PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(head, clock):
    laptop = sign_in("chef", PASSWORD, "10.0.0.1")
    office = sign_in("chef", PASSWORD, "10.0.0.2")
    assert office.get("/").status_code == 200
    response = laptop.post(
        "/compte/mot-de-passe/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "Vos autres sessions (1) ont été fermées" in response.content.decode()
    assert laptop.get("/").status_code == 200
    assert office.get("/").status_code == 302


def test_close_my_other_sessions(head, clock):
    first = sign_in("chef", PASSWORD, "10.0.0.1")
    second = sign_in("chef", PASSWORD, "10.0.0.2")
    third = sign_in("chef", PASSWORD, "10.0.0.3")
    listing = first.get("/compte/sessions/").content.decode()
    assert listing.count('data-testid="session-row"') == 3
    assert "10.0.0.2" in listing and "cette session" in listing
    # The browsers' long names scroll inside the table's box on a phone, not the whole page.
    assert re.search(r'<div class="table-responsive" data-testid="sessions">\s*<table', listing)
    response = first.post("/compte/sessions/fermer-les-autres/", follow=True)
    assert "2 autre(s) session(s) fermée(s)" in response.content.decode()
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302 and third.get("/").status_code == 302
    assert StaffSession.objects.filter(user=head).count() == 1
    # Another user's sessions are never touched.


def test_closing_others_does_not_touch_another_users_sessions(head, other_head, clock):
    mine = sign_in("chef", PASSWORD)
    theirs = sign_in("autre.chef", PASSWORD)
    mine.post("/compte/sessions/fermer-les-autres/")
    assert theirs.get("/").status_code == 200


def test_a_session_ends_after_30_minutes_idle(head, clock):
    client = sign_in("chef", PASSWORD)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # active 29 minutes ago: still alive
    assert client.get("/").status_code == 200
    clock.advance(minutes=32)
    response = client.get("/gestion/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=/gestion/")
    page = client.get(response["Location"])
    assert "Votre session a expiré" in page.content.decode()
    assert client.get("/").status_code == 302


def test_a_session_ends_after_8_hours_even_when_active(head, clock):
    client = sign_in("chef", PASSWORD)
    for _ in range(16):
        clock.advance(minutes=29)
        assert client.get("/").status_code == 200
    clock.advance(minutes=29)  # 8 h 13 since the sign-in
    assert client.get("/").status_code == 302


def test_signing_out_forgets_the_session_row(head, clock):
    client = sign_in("chef", PASSWORD)
    assert StaffSession.objects.filter(user=head).count() == 1
    client.post("/deconnexion/")
    assert StaffSession.objects.filter(user=head).count() == 0

"""The portal's own sessions and authentication, apart from the staff's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from portal.models import FamilySession
from portal.sessions import _digest, cookie_name

from .factories import PASSWORD, account_factory, guardian_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]


def _account(**kwargs):
    code, _ = guardian_code()
    return account_factory(login="parent.martin", codes=[code], **kwargs)


def test_it_sends_an_anonymous_visitor_to_the_sign_in_page():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?suivant=")


def test_it_signs_in_and_stores_only_the_cookies_digest():
    account = _account()
    client = Client()
    response = client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    cookie = response.cookies[cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    row = FamilySession.objects.get(account=account)
    assert row.key_digest == _digest(cookie.value) and cookie.value not in row.key_digest
    home = client.get("/")
    assert home.status_code == 200
    assert "Bonjour" in home.content.decode()


def test_it_refuses_a_wrong_password_with_a_french_message():
    _account()
    response = Client().post("/connexion/", {"login": "parent.martin", "password": "pas le bon mot de passe"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert not FamilySession.objects.exists()


def test_a_login_is_case_insensitive():
    _account()
    response = Client().post("/connexion/", {"login": "PARENT.Martin", "password": PASSWORD})
    assert response.status_code == 302


def test_it_signs_out_with_a_post_only():
    _account()
    client = Client()
    client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    assert client.get("/deconnexion/").status_code == 405
    response = client.post("/deconnexion/")
    assert response.status_code == 302
    assert not FamilySession.objects.exists()
    assert client.get("/").status_code == 302


def test_a_session_expires_after_inactivity():
    _account()
    client = Client()
    client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    FamilySession.objects.update(expires_at=FamilySession.objects.get().last_seen_at - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def test_each_request_slides_the_expiry():
    _account()
    client = Client()
    client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    old = FamilySession.objects.get()
    FamilySession.objects.update(last_seen_at=old.last_seen_at - timedelta(minutes=10))
    client.get("/")
    assert FamilySession.objects.get().expires_at > old.expires_at


def test_a_staff_session_never_opens_the_portal(head_client):
    response = head_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.urls("tsadmin.urls")
def test_a_family_session_never_opens_the_admin():
    account = _account()
    client = Client()
    # A real family cookie, made as the portal makes it.
    from django.http import HttpResponse
    from django.test import RequestFactory

    from portal.sessions import session_start

    response = HttpResponse()
    session_start(request=RequestFactory().get("/"), response=response, account=account)
    client.cookies[cookie_name()] = response.cookies[cookie_name()].value
    for path in ("/", reverse("car:manage"), "/admin/"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert "connexion" in answer["Location"] or "login" in answer["Location"], path


def test_a_temporary_password_forces_a_change_before_anything_else():
    _account(must_change_password=True)
    client = Client()
    client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/mot-de-passe/a-changer/"
    weak = client.post("/mot-de-passe/a-changer/", {"password1": "court", "password2": "court"})
    assert weak.status_code == 200 and "trop court" in weak.content.decode()
    new = "Une-phrase-de-passe-neuve-7"
    done = client.post("/mot-de-passe/a-changer/", {"password1": new, "password2": new})
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert Client().post("/connexion/", {"login": "parent.martin", "password": new}).status_code == 302


def test_pages_404_in_french():
    response = Client().get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@override_settings(PORTAL_SESSION_COOKIE_SECURE=True)
def test_the_cookie_is_secure_when_asked():
    _account()
    response = Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    assert response.cookies[cookie_name()]["secure"]


def test_expired_sessions_are_purged_by_a_command():
    from io import StringIO

    from django.core.management import call_command

    _account()
    for _ in range(2):
        Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    first = FamilySession.objects.order_by("created_at").first()
    FamilySession.objects.filter(pk=first.pk).update(expires_at=first.created_at - timedelta(seconds=1))
    out = StringIO()
    call_command("portal_sessions_purge", stdout=out)
    assert "1 session(s) expirée(s) supprimée(s)" in out.getvalue()
    assert FamilySession.objects.count() == 1


def test_the_server_error_page_is_french_and_needs_no_database():
    from django.test import RequestFactory

    from portal.views import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "Erreur du serveur" in response.content.decode()

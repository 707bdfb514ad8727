"""Forgotten password: one answer for every e-mail, a single-use link; tokens."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.test import Client

from portal.models import Account, FamilySession
from portal.tokens import PURPOSE_RESET, RESET_MAX_AGE, TokenInvalid, token_check, token_make

from .factories import PASSWORD, account_factory, guardian_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]
NEW = "Un-tout-nouveau-mot-de-passe-3"


def _account(**kwargs):
    code, _ = guardian_code()
    return account_factory(login="parent.martin", email="martin@familles.example", codes=[code], **kwargs)


def test_known_and_unknown_emails_get_the_same_answer():
    _account()
    known = Client().post("/mot-de-passe/oublie/", {"email": "martin@familles.example"})
    unknown = Client().post("/mot-de-passe/oublie/", {"email": "personne@familles.example"})

    def strip(response) -> str:
        text = response.content.decode()
        return text.replace("martin@familles.example", "X").replace("personne@familles.example", "X")

    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["martin@familles.example"]


def test_the_reset_link_sets_a_new_password_once_and_ends_every_session():
    account = _account()
    signed_in = Client()
    signed_in.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    assert FamilySession.objects.count() == 1
    Client().post("/mot-de-passe/oublie/", {"email": "MARTIN@familles.example"})
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/[^/\s]+/)", mail.outbox[0].body).group(1)
    client = Client()
    assert "Choisissez le nouveau mot de passe" in client.get(link).content.decode()
    short = client.post(link, {"password1": "court", "password2": "court"})
    assert "trop court" in short.content.decode()
    done = client.post(link, {"password1": NEW, "password2": NEW})
    assert "est enregistré" in done.content.decode()
    assert not FamilySession.objects.exists()
    assert signed_in.get("/").status_code == 302
    assert Client().post("/connexion/", {"login": "parent.martin", "password": NEW}).status_code == 302
    reused = Client().post(link, {"password1": PASSWORD + "x", "password2": PASSWORD + "x"})
    assert reused.status_code == 400 and "déjà servi" in reused.content.decode()
    account.refresh_from_db()
    assert not account.must_change_password


def test_a_provisional_account_gets_no_reset_link():
    _account(state=Account.State.PROVISIONAL)
    Client().post("/mot-de-passe/oublie/", {"email": "martin@familles.example"})
    assert not mail.outbox


def test_an_expired_reset_link_says_so(monkeypatch):
    account = _account()
    token = token_make(purpose=PURPOSE_RESET, account=account)
    later = signing.time.time() + RESET_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = Client().get(f"/mot-de-passe/nouveau/{token}/")
    assert response.status_code == 400 and "a expiré" in response.content.decode()


def test_a_token_is_bound_to_its_purpose_and_cannot_be_altered():
    account = _account()
    token = token_make(purpose=PURPOSE_RESET, account=account)
    with pytest.raises(TokenInvalid):
        token_check(purpose="validate", token=token, max_age=RESET_MAX_AGE)
    with pytest.raises(TokenInvalid):
        token_check(purpose=PURPOSE_RESET, token=token[:-2] + "xx", max_age=RESET_MAX_AGE)
    found, extra = token_check(purpose=PURPOSE_RESET, token=token, max_age=RESET_MAX_AGE)
    assert found == account and extra == {}
    # An e-mail change (a colleague's page) binds the token to the e-mail it replaces.
    change = token_make(purpose="email", account=account, extra={"new": "neuf@familles.example"})
    assert token_check(purpose="email", token=change, max_age=RESET_MAX_AGE)[1] == {"new": "neuf@familles.example"}
    Account.objects.filter(pk=account.pk).update(email="neuf@familles.example")
    with pytest.raises(TokenInvalid):
        token_check(purpose="email", token=change, max_age=RESET_MAX_AGE)


def test_the_reset_email_leaves_after_the_page_so_its_time_says_nothing():
    from django.test import RequestFactory

    from portal.views_password import password_forgotten

    _account()
    request = RequestFactory().post("/mot-de-passe/oublie/", {"email": "martin@familles.example"})
    request._dont_enforce_csrf_checks = True
    response = password_forgotten(request)
    assert response.status_code == 200 and not mail.outbox  # the page is ready, nothing sent yet
    response.close()  # what the WSGI server does once the page is sent
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["martin@familles.example"]

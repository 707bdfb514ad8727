"""Bad input never crashes a page: a French message, the form kept, nothing written."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from portal.models import Account, Attachment, CodeAttempt, Outbox

from .factories import PASSWORD, account_factory, guardian_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Ce champ est obligatoire"),
        ({"code": "x" * 500, "birth_date": "14/05/2013"}, "au plus 40 caractères"),
        ({"code": "- - -", "birth_date": "14/05/2013"}, "Saisissez le code"),
        ({"code": "0ABCDEFGHJKLM", "birth_date": "31/02/2013"}, "JJ/MM/AAAA"),
        ({"code": "0ABCDEFGHJKLM", "birth_date": "<script>"}, "JJ/MM/AAAA"),
        ({"code": "0ABCDEFGHJKLM\x00", "birth_date": "14/05/2013"}, "caractère nul"),
    ],
)
def test_the_code_form_refuses_bad_input_in_french(data, message):
    response = Client().post("/activation/", data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not CodeAttempt.objects.exists() and not Outbox.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/activation/valider/n'importe-quoi/",
        "/activation/valider/eyJhIjoxfQ:1abc:xyz/",
        "/mot-de-passe/nouveau/%E2%80%A6/",
        "/mot-de-passe/nouveau/" + "a" * 3000 + "/",
    ],
)
def test_garbage_links_say_they_are_not_valid(path):
    response = Client().get(path)
    assert response.status_code == 400
    assert "Ce lien n'est pas valable" in response.content.decode().replace("&#x27;", "'")


def test_a_garbage_resend_token_is_refused():
    response = Client().post("/activation/renvoyer/", {"jeton": "rien"})
    assert response.status_code == 400


def test_an_empty_sign_in_keeps_the_page():
    response = Client().post("/connexion/", {"login": "", "password": ""})
    assert response.status_code == 200 and "Ce champ est obligatoire" in response.content.decode()


def test_a_bad_email_at_step_two_keeps_everything_typed_and_writes_nothing():
    code, value = guardian_code()
    client = Client()
    first = client.post("/activation/", {"code": value, "birth_date": "14/05/2013"})
    state = re.search(r'name="state" value="([^"]+)"', first.content.decode()).group(1)
    response = client.post(
        "/activation/compte/",
        {"login": "anne.d", "password1": PASSWORD, "password2": PASSWORD, "email": "pas-une-adresse", "state": state},
    )
    page = response.content.decode()
    assert "adresse de courriel valide" in page and 'value="anne.d"' in page
    assert not Account.objects.exists() and not Attachment.objects.exists() and not Outbox.objects.exists()
    # Nothing is lost: the same state still works once the e-mail is right.
    done = client.post(
        "/activation/compte/",
        {
            "login": "anne.d",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "email": "anne@familles.example",
            "state": state,
        },
    )
    assert done.status_code == 200 and Account.objects.filter(login="anne.d").exists()


def test_an_unsafe_next_address_after_sign_in_goes_home():
    code, _ = guardian_code()
    account_factory(login="parent.martin", codes=[code])
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD, "suivant": target})
        assert response.status_code == 302 and response["Location"] == "/", target
    kept = Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD, "suivant": "/rattacher/"})
    assert kept["Location"] == "/rattacher/"


def test_an_unknown_login_costs_the_same_argon2_work_as_a_wrong_password():
    code, _ = guardian_code()
    account_factory(login="parent.martin", codes=[code])

    def timed(login: str) -> float:
        start = time.perf_counter()
        Client().post("/connexion/", {"login": login, "password": "mauvais mot de passe"})
        return time.perf_counter() - start

    timed("personne")  # the dummy hash is made once
    unknown = sorted(timed("personne") for _ in range(3))[1]
    wrong = sorted(timed("parent.martin") for _ in range(3))[1]
    assert unknown > 0.3 * wrong, (unknown, wrong)


def test_no_portal_page_has_inline_script_or_style():
    code, _ = guardian_code()
    account_factory(login="parent.martin", codes=[code])
    client = Client()
    pages = ["/connexion/", "/activation/", "/mot-de-passe/oublie/", "/nulle-part/"]
    texts = [client.get(path).content.decode() for path in pages]
    client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
    texts += [client.get(path).content.decode() for path in ("/", "/rattacher/")]
    for text in texts:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
        assert not re.search(r"\sstyle=", text) and "<style" not in text
        assert not re.search(r"\son[a-z]+=", text)

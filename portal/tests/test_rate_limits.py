"""Rate limits (Redis counters through the cache): each limit trips, then resets when time moves on."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from portal import ratelimit
from portal.models import FamilySession

from .factories import PASSWORD, account_factory, guardian_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]


@pytest.fixture
def clock(monkeypatch):
    """The rate limits' clock, moved by the tests (never slept)."""
    now = {"t": 1_900_000_000.0}
    monkeypatch.setattr(ratelimit, "_now", lambda: now["t"])

    def move(seconds: float) -> None:
        now["t"] += seconds

    return move


def test_the_counters_live_in_redis(settings):
    assert "redis" in settings.CACHES["default"]["BACKEND"].lower()


def test_activation_is_limited_per_address_then_reset(clock, settings):
    settings.PORTAL_RATE_LIMITS = {"activation-ip": (3, 900)}
    _code, value = guardian_code()
    client = Client()
    for _ in range(3):
        assert client.post("/activation/", {"code": "0AAAAAAAAAAAA", "birth_date": "01/01/2012"}).status_code == 200
    limited = client.post("/activation/", {"code": value, "birth_date": "14/05/2013"})
    assert limited.status_code == 429 and "Trop de tentatives" in limited.content.decode()
    # Another address is not limited.
    other = Client(REMOTE_ADDR="10.0.0.9").post("/activation/", {"code": value, "birth_date": "14/05/2013"})
    assert other.status_code == 200 and "Choisissez votre identifiant" in other.content.decode()
    clock(901)
    again = client.post("/activation/", {"code": value, "birth_date": "14/05/2013"})
    assert again.status_code == 200 and "Choisissez votre identifiant" in again.content.decode()


def test_sign_in_is_limited_per_login_then_reset(clock):
    code, _ = guardian_code()
    account_factory(login="parent.martin", codes=[code])
    for n in range(5):
        client = Client(REMOTE_ADDR=f"10.0.1.{n}")  # a different address each time: the login limit counts
        assert client.post("/connexion/", {"login": "parent.martin", "password": "faux"}).status_code == 200
    blocked = Client(REMOTE_ADDR="10.0.2.1").post("/connexion/", {"login": "PARENT.martin", "password": PASSWORD})
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.content.decode()
    assert not FamilySession.objects.exists()
    clock(15 * 60 + 1)
    assert Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD}).status_code == 302


def test_a_successful_sign_in_clears_the_logins_failures(clock):
    code, _ = guardian_code()
    account_factory(login="parent.martin", codes=[code])
    for _ in range(4):
        Client().post("/connexion/", {"login": "parent.martin", "password": "faux"})
    assert Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD}).status_code == 302
    for _ in range(4):
        Client().post("/connexion/", {"login": "parent.martin", "password": "faux"})
    assert Client().post("/connexion/", {"login": "parent.martin", "password": PASSWORD}).status_code == 302


def test_sign_in_is_limited_per_address_then_reset(clock, settings):
    settings.PORTAL_RATE_LIMITS = {"signin-ip": (4, 900)}
    client = Client()
    for n in range(4):
        assert client.post("/connexion/", {"login": f"inconnu{n}", "password": "x"}).status_code == 200
    assert client.post("/connexion/", {"login": "inconnu9", "password": "x"}).status_code == 429
    clock(900)
    assert client.post("/connexion/", {"login": "inconnu9", "password": "x"}).status_code == 200


def test_forgotten_password_is_limited_per_email_silently_and_per_address(clock, settings):
    settings.PORTAL_RATE_LIMITS = {"reset-ip": (5, 3600), "reset-email": (2, 3600)}
    code, _ = guardian_code()
    account_factory(login="parent.martin", email="martin@familles.example", codes=[code])
    answers = [
        Client(REMOTE_ADDR=f"10.0.3.{n}").post("/mot-de-passe/oublie/", {"email": "martin@familles.example"})
        for n in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]  # the page does not change…
    assert len(mail.outbox) == 2  # …but the third e-mail is not sent
    client = Client()
    for _ in range(5):
        client.post("/mot-de-passe/oublie/", {"email": "autre@familles.example"})
    assert client.post("/mot-de-passe/oublie/", {"email": "autre@familles.example"}).status_code == 429
    clock(3600)
    assert client.post("/mot-de-passe/oublie/", {"email": "martin@familles.example"}).status_code == 200
    assert len(mail.outbox) == 3


def test_attach_is_limited_per_account_then_reset(clock, settings):
    settings.PORTAL_RATE_LIMITS = {"activation-account": (2, 900)}
    first, _ = guardian_code()
    account_factory(login="parent.martin", codes=[first])
    _second, value = guardian_code()
    clients = []
    for n in range(3):
        client = Client(REMOTE_ADDR=f"10.0.4.{n}")
        client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD})
        clients.append(client)
    for client in clients[:2]:
        assert client.post("/rattacher/", {"code": "0AAAAAAAAAAAA", "birth_date": "14/05/2013"}).status_code == 200
    assert clients[2].post("/rattacher/", {"code": value, "birth_date": "14/05/2013"}).status_code == 429
    clock(900)
    assert clients[2].post("/rattacher/", {"code": value, "birth_date": "14/05/2013"}).status_code == 302

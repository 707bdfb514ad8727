"""Fixtures of the portal's tests: the portal's URLconf, the téléservices rows, a fresh rate-limit cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from .factories import PASSWORD, account_factory, guardian_code

PORTAL_URLS = "tsadmin.urls_portal"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Counters of one test never trip another's (each test run has its own Redis number)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family_client(db) -> Client:
    return Client()


@pytest.fixture
def guardian_account(django_db_setup, django_db_blocker):
    code, _value = guardian_code()
    return account_factory(login="parent.martin", codes=[code])


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post("/connexion/", {"login": login, "password": password})

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


# --- A real local SMTP server (aiosmtpd), as the notifications' tests use ----------------------


class _Sink:
    def __init__(self):
        import threading

        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        import email
        import email.policy

        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on a free local port; the portal (this process and its live server) sends there."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD, settings.EMAIL_TIMEOUT = "", "", 10
    yield handler
    controller.stop()

"""A real SMTP server for the e-mail tests (aiosmtpd on a free local port), and workers that use it.

`smtp_sink` runs the server in a thread and points both this process (Django settings) and the
Celery workers started afterwards (environment) at it. Its handler keeps every accepted
message and can be told to answer a chosen recipient with a code (451, 550), or to hold a
recipient's DATA until released (to kill a worker in the middle of a send).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class SinkHandler:
    """What the server does with each command; tests change `answers` and `hold` between sends."""

    messages: list[Received] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)  # recipient -> "451 ..." / "550 ..."
    hold: set[str] = field(default_factory=set)  # recipients whose DATA waits for `release`
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        answer = self.answers.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if any(rcpt.lower() in self.hold for rcpt in envelope.rcpt_tos):
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Interrupted"
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_tos]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_sink(settings, monkeypatch):
    """A real SMTP server on 127.0.0.1; this process and workers started later send to it."""
    from aiosmtpd.controller import Controller

    handler = SinkHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_TIMEOUT": "10",
    }
    for name, value in smtp.items():
        monkeypatch.setenv(name, value)
    settings.EMAIL_BACKEND = smtp["EMAIL_BACKEND"]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 10
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def celery_worker(smtp_sink, celery_worker):
    """The shared real worker, started once the SMTP sink is up so that it sends there."""
    return celery_worker


def start_worker() -> subprocess.Popen:
    """Another real worker process, with the environment of the shared fixture (test databases, sink)."""
    from conftest import start_celery_worker

    return start_celery_worker()


def wait_until(condition, *, timeout: float = 60, what: str = "the condition") -> None:
    """Poll `condition` (the worker runs in another process) until it is true or the time is out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}.")

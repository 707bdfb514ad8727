"""Real processes for the fault tests (issue #14): servers and workers started here, reached
through TCP forwarders (tests/tcp_proxy.py) when a test makes Redis or SMTP go away for them
only, and the invariants every fault test checks once it recovered.

The machine's shared PostgreSQL and Redis are never stopped: a forwarder stands for the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count, Q

from codes.models import ActivationCode, CodeKind
from conftest import _test_database_url
from siecle.models import LEGAL_RANKS, GuardianLink
from tests.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]


def poll(condition: Callable[[], object], *, timeout: float = 60, what: str = "the condition") -> None:
    """Wait until `condition()` is true (another process does the work), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def through(proxy: TcpProxy, url: str) -> str:
    """`url` (redis://, postgres://) with its host and port replaced by the forwarder's."""
    parts = urllib.parse.urlsplit(url)
    auth = f"{parts.netloc.rsplit('@', 1)[0]}@" if "@" in parts.netloc else ""
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{proxy.port}"))


def redis_target() -> tuple[str, int]:
    parts = urllib.parse.urlsplit(settings.CELERY_BROKER_URL)
    if parts.scheme not in ("redis", "rediss"):
        pytest.fail("The fault tests need Redis as the broker: set CELERY_BROKER_URL (make test does).")
    return parts.hostname or "127.0.0.1", parts.port or 6379


def redis_env(proxy: TcpProxy) -> dict[str, str]:
    """Broker, results and cache of a process, all through `proxy` (the same Redis databases)."""
    return {
        "CELERY_BROKER_URL": through(proxy, settings.CELERY_BROKER_URL),
        "CELERY_RESULT_BACKEND": through(proxy, settings.CELERY_RESULT_BACKEND),
        "REDIS_URL": through(proxy, settings.CACHES["default"]["LOCATION"]),
    }


def process_env(**extra: str) -> dict[str, str]:
    """This process's environment on the test databases, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DATABASE_URL=_test_database_url("default"),
        TELESERVICES_DATABASE_URL=_test_database_url("teleservices"),
        TSADMIN_ENV="test",
        DEBUG="false",
    )
    env.update(extra)
    return env


def start_worker(**extra: str) -> subprocess.Popen:
    """A real Celery worker (solo pool) with `extra` in its environment, once it answers a ping.

    The ping goes through this process's broker URL: a worker behind a forwarder answers it
    as long as the forwarder runs (the same Redis database on the other side).
    """
    from conftest import start_celery_worker

    return start_celery_worker(process_env(**extra))


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def start_server(*, settings_module: str, **extra: str) -> tuple[subprocess.Popen, str]:
    """`manage.py runserver` under `settings_module`, once it answers; returns it and its base URL."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure", "--skip-checks"],
        cwd=ROOT,
        env=process_env(DJANGO_SETTINGS_MODULE=settings_module, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"The server ended at start: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{base}/connexion/", timeout=30):  # noqa: S310 — our local server
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    try:
        poll(answers, timeout=60, what="the web server to answer")
    except BaseException:
        stop(proc)
        raise
    return proc, base


@pytest.fixture
def redis_proxy():
    """A forwarder to the test Redis: stop() makes Redis unreachable for the processes behind it."""
    proxy = TcpProxy(*redis_target()).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def purged_queue(transactional_db, django_db_setup):
    """The test broker's queue emptied before and after (other tests' leftovers, ours)."""
    from tsadmin.celery import app

    app.control.purge()
    yield
    app.control.purge()


# --- The invariants of issue #14 -----------------------------------------------------------


def assert_one_valid_car_per_pair(links: list[GuardianLink]) -> None:
    """Every legal guardian's pair given holds exactly one valid CAR, and no pair anywhere two."""
    counts = dict(
        GuardianLink.objects.filter(pk__in=[x.pk for x in links], legal_rank__in=LEGAL_RANKS)
        .annotate(n=Count("activation_codes", filter=Q(activation_codes__is_valid=True)))
        .values_list("pk", "n")
    )
    assert counts and set(counts.values()) == {1}, counts
    doubled = (
        ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True)
        .values("link_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not doubled.exists()


def families_with_codes(school, head, count: int) -> list[GuardianLink]:
    """`count` pupils of 4B, each with a legal guardian PARENTnn (e-mail and postal address) holding
    a valid CAR made by the mass creation service (the school's téléservices opened first)."""
    from car.services import car_create_bulk
    from services.services import service_open, teleservices_activate
    from siecle.factories import DivisionFactory, GuardianFactory, GuardianLinkFactory, StudentFactory
    from siecle.models import LegalRank

    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    division = DivisionFactory(school=school, code="4B", label="4B")
    links = []
    for n in range(1, count + 1):
        guardian = GuardianFactory(
            school=school, last_name=f"PARENT{n:02d}", first_name="Camille", email=f"parent{n:02d}@famille.test.example"
        )
        student = StudentFactory(school=school, last_name=f"PARENT{n:02d}", first_name="Enfant", division=division)
        links.append(GuardianLinkFactory(student=student, guardian=guardian, legal_rank=LegalRank.LEGAL_1))
    assert car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head).created == count
    return links


def assert_sent_equals_outbox(sink, *, count: int) -> None:
    """The SMTP server received exactly one message per outbox row sent, and every row was sent."""
    from notifications.models import OutboxMessage, OutboxState

    rows = list(OutboxMessage.objects.values_list("state", "recipient"))
    assert len(rows) == count and {state for state, _ in rows} == {OutboxState.SENT}, rows
    received = sorted(rcpt for message in sink.messages for rcpt in message.rcpt_tos)
    assert received == sorted(recipient for _, recipient in rows)

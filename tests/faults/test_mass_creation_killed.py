"""Fault: the process doing a CAR mass creation is killed with SIGKILL in the middle of it.

The mass creation ("Créer les codes", SPEC C2) runs inside the web request, in one
transaction: the codes, then their history rows. It is not a Celery job: a school's whole
creation takes well under a second (bench/car_mass_create.py), so the head gets the recap at
once. The process at risk is therefore the web server's: the test freezes it deterministically
between the two inserts (it holds a lock on the history table in its own PostgreSQL session, and
waits until the server's insert waits on it), kills the server with SIGKILL, then lets go.

After that: nothing half-written (no code, no history row), and the head's second try on a
new server gives exactly one valid code per pair, each with one history row.
"""

from __future__ import annotations

import signal

import psycopg
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from codes.models import ActivationCode, CodeEvent, CodeKind
from conftest import _test_database_url, browser_sign_in, click_and_wait, save_screenshot
from services.services import service_open, teleservices_activate
from siecle.factories import DivisionFactory, GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

from .conftest import assert_one_valid_car_per_pair, poll, start_server, stop

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

PUPILS = 40
HISTORY_TABLE = CodeEvent._meta.db_table


def _pairs(school, head) -> list:
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    division = DivisionFactory(school=school, code="5C", label="5C")
    links = []
    for n in range(PUPILS):
        student = StudentFactory(school=school, last_name=f"ELEVE{n:02d}", division=division)
        for rank in (LegalRank.LEGAL_1, LegalRank.LEGAL_2):
            links.append(GuardianLinkFactory(student=student, legal_rank=rank, guardian__school=school))
    return links


def _waiting_on_history(watcher: psycopg.Connection) -> bool:
    """A server's session waits for our lock on the history table (its codes already inserted)."""
    row = watcher.execute(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE NOT l.granted AND c.relname = %s",
        [HISTORY_TABLE],
    ).fetchone()
    return row[0] > 0


def _transactions_open(watcher: psycopg.Connection) -> bool:
    """Another session of the test database is inside a transaction (the killed server's)."""
    row = watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
    ).fetchone()
    return row[0] > 0


def _open_list(page) -> None:
    page.goto(reverse("car:mass_create") + "?population=tous&filtre=sans")
    expect(page.get_by_test_id("counts")).to_contain_text(f"{2 * PUPILS} pouvant recevoir un code")


def test_a_mass_creation_killed_mid_way_writes_nothing_and_the_retry_gives_one_code_per_pair(browser, school, head):
    links = _pairs(school, head)
    url = _test_database_url("default")
    server, base = start_server(settings_module="tsadmin.settings")
    context = browser.new_context(locale="fr-FR", base_url=base, reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        browser_sign_in(page, "chef")
        _open_list(page)
        with psycopg.connect(url, autocommit=False) as locker, psycopg.connect(url, autocommit=True) as watcher:
            locker.execute(f'LOCK TABLE "{HISTORY_TABLE}" IN EXCLUSIVE MODE')  # reads pass, inserts wait
            page.get_by_role("button", name="Créer les codes", exact=True).click(no_wait_after=True)
            poll(lambda: _waiting_on_history(watcher), timeout=60, what="the server to insert the codes' history")
            # The codes are inserted, not committed: killed here, the server leaves a half-done transaction.
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=15)
            locker.rollback()  # its session goes on, finds its client gone and rolls back
            poll(lambda: not _transactions_open(watcher), timeout=30, what="PostgreSQL to end the killed session")
        assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()
        assert not CodeEvent.objects.filter(kind=CodeKind.CAR).exists()
        context.close()

        server, base = start_server(settings_module="tsadmin.settings")
        context = browser.new_context(locale="fr-FR", base_url=base, reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(20_000)
        browser_sign_in(page, "chef")
        _open_list(page)
        click_and_wait(page, page.get_by_role("button", name="Créer les codes", exact=True))
        expect(page.get_by_role("alert").first).to_contain_text(f"{2 * PUPILS} codes créés.")
        save_screenshot(page, "faults-mass-creation-retried")
        assert_one_valid_car_per_pair(links)
        assert (
            CodeEvent.objects.filter(kind=CodeKind.CAR).count() == 2 * PUPILS
        )  # one "Création" row per code, none left over
    finally:
        context.close()
        stop(server)
    assert_one_valid_car_per_pair(links)
    assert ActivationCode.objects.filter(kind=CodeKind.CAR).count() == 2 * PUPILS

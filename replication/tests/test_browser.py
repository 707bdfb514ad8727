"""The runs page in chromium: reached from the menu by IT staff, readable, no accessibility violation."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, click_and_wait, save_screenshot
from replication.models import Run
from staff.services import staff_user_create_or_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_it_staff_open_the_runs_from_the_menu_and_read_a_failure(page, school):
    staff_user_create_or_update(username="dsi", password="Un-mot-de-passe-solide-42", academy=school.academy)
    start = timezone.now() - datetime.timedelta(hours=2)
    Run.objects.create(
        started_at=start,
        finished_at=start + datetime.timedelta(seconds=42),
        status=Run.Status.SUCCEEDED,
        origin="nuit",
        journal_rows=1520,
        changed=1407,
        counts={"down": {"student": {"upserted": 296, "deleted": 3}, "code": {"upserted": 0, "deleted": 726}}},
    )
    Run.objects.create(
        started_at=start + datetime.timedelta(hours=1),
        finished_at=start + datetime.timedelta(hours=1, seconds=2),
        status=Run.Status.FAILED,
        origin="commande",
        error="OperationalError: la base des téléservices ne répond pas",
    )
    browser_sign_in(page, "dsi")
    page.get_by_role("button", name="Statistiques").click()
    click_and_wait(page, page.get_by_role("link", name="Réplications"))
    expect(page.get_by_role("heading", name="Réplications vers les téléservices")).to_be_visible()
    table = page.get_by_role("table", name="Les réplications, de la plus récente à la plus ancienne")
    expect(table).to_contain_text("Échouée")
    expect(table).to_contain_text("la base des téléservices ne répond pas")
    expect(table).to_contain_text("codes : +0 / −726")
    save_screenshot(page, "replication-runs")
    assert axe_violations(page) == []

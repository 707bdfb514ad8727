"""Sign in as a school head in a real browser, open every menu page, check each is accessible."""

from pathlib import Path

import pytest
from django.conf import settings

from conftest import axe_violations, browser_sign_in
from staff.tests.test_tenancy import MENU_URLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"


def test_the_head_opens_every_menu_page_and_each_is_accessible(page, head, school):
    from django.urls import reverse

    browser_sign_in(page, "chef")
    assert school.name in page.inner_text("header")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for name in MENU_URLS:
        response = page.goto(reverse(name))
        assert response.status == 200, name
        heading = page.locator("main h1").first.inner_text()
        assert heading.strip(), f"{name} has no title"
        assert "Erreur" not in page.title()
        page.screenshot(path=str(SCREENSHOTS / f"{name.replace(':', '-')}.png"), full_page=True)
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}


def test_the_menus_open_with_the_keyboard_and_lead_to_their_pages(page, head, school):
    browser_sign_in(page, "chef")
    page.get_by_role("button", name="Accès des Responsables").click()
    page.get_by_role("link", name="Créer les codes en masse").click()
    page.wait_for_load_state()
    assert "Créer les codes en masse" in page.locator("main h1").inner_text()
    page.get_by_role("button", name="Quitter").click()
    page.wait_for_url("**/connexion/")

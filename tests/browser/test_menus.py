"""Sign in as a school head in a real browser: every menu page is accessible, has its breadcrumb
and its menu entry marked; the menu fits one line on a laptop and folds behind a button on a phone."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, click_and_wait, save_screenshot
from staff.tests.test_tenancy import MENU_URLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

TOP_LEVEL = ["Accueil", "Gestion des téléservices", "Accès des Responsables", "Accès des Élèves", "Statistiques"]


def breadcrumb(page):
    return page.get_by_role("navigation", name="Fil d’Ariane").get_by_role("listitem")


def failed_responses(page) -> list[str]:
    """Collects every answer of 400 or more the page receives from now on (a missing favicon...)."""
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failures


def test_the_head_opens_every_menu_page_and_each_is_accessible(page, head, school):
    failures = failed_responses(page)
    browser_sign_in(page, "chef")
    expect(page.locator("header")).to_contain_text(school.name)
    problems = {}
    for name in MENU_URLS:
        response = page.goto(reverse(name))
        assert response.status == 200, name
        expect(page.locator("main h1").first).to_have_text(re.compile(r"\S"))
        expect(page).not_to_have_title(re.compile("Erreur"))
        # Every page says where it is: a breadcrumb from "Accueil", and its menu entry marked.
        expect(breadcrumb(page).first).to_have_text("Accueil")
        expect(page.locator("header [aria-current=page]")).to_have_count(1)
        save_screenshot(page, name.replace(":", "-"))
        violations = axe_violations(page)
        if violations:
            problems[name] = violations
    assert problems == {}
    assert failures == []  # no 404, not even for the favicon


def test_the_menus_open_with_the_keyboard_and_lead_to_their_pages(page, head, school):
    browser_sign_in(page, "chef")
    page.get_by_role("button", name="Accès des Responsables").click()
    click_and_wait(page, page.get_by_role("link", name="Créer les codes en masse"))
    expect(page.locator("main h1")).to_contain_text("Créer les codes en masse")
    with page.expect_navigation():
        page.get_by_role("button", name="Quitter").click()
    expect(page).to_have_url(re.compile(r"/connexion/"))


def test_on_a_laptop_the_menu_is_one_line_and_marks_the_current_page(page, head, school):
    browser_sign_in(page, "chef")
    page.goto(reverse("car:mass_create"))
    menu = page.get_by_role("navigation", name="Menu principal")
    for width in (1200, 1280, 1366):  # from the smallest width that unfolds the menu
        page.set_viewport_size({"width": width, "height": 768})
        expect(menu.get_by_role("button", name="Menu")).to_be_hidden()
        for label in TOP_LEVEL[1:]:
            expect(menu.get_by_role("button", name=label)).to_be_visible()
        boxes = menu.locator(".navbar-nav > .nav-item").evaluate_all(
            "items => items.map(i => [Math.round(i.getBoundingClientRect().top), i.getBoundingClientRect().right])"
        )
        assert len(boxes) == 9 and len({top for top, _ in boxes}) == 1, (
            width,
            boxes,
        )  # one line, "Mon compte" included
        assert max(right for _, right in boxes) <= width, (width, boxes)  # "Quitter" included
        expect(menu.get_by_role("button", name="Quitter")).to_be_in_viewport(ratio=1)
    save_screenshot(page, "laptop-1366-menu")

    # The section of the current page is marked (and says so), then its entry once opened.
    section = menu.get_by_role("button", name="Accès des Responsables")
    expect(section).to_have_attribute("aria-current", "true")
    expect(menu.get_by_role("button", name="Statistiques")).not_to_have_attribute("aria-current", re.compile("."))
    weight = "b => getComputedStyle(b).fontWeight"
    assert section.evaluate(weight) != menu.get_by_role("button", name="Statistiques").evaluate(weight)
    section.click()
    current = menu.locator("[aria-current=page]")
    expect(current).to_have_text("Créer les codes en masse")
    expect(current).to_be_visible()
    expect(current).to_have_class(re.compile(r"\bactive\b"))
    expect(breadcrumb(page)).to_have_text(["Accueil", "Accès des Responsables", "Créer les codes en masse"])
    expect(breadcrumb(page).last).to_have_attribute("aria-current", "page")
    assert axe_violations(page) == []  # the marked entry, open, is readable

    # A page under an entry adds its own step; the entry links back to its list.
    click_and_wait(page, breadcrumb(page).get_by_role("link", name="Accueil"))
    expect(page).to_have_url(re.compile(reverse("home") + "$"))
    expect(breadcrumb(page)).to_have_text(["Accueil"])
    expect(menu.get_by_role("link", name="Accueil")).to_have_attribute("aria-current", "page")


def test_on_a_phone_the_menu_folds_behind_a_button(page, head, school):
    page.set_viewport_size({"width": 375, "height": 812})
    browser_sign_in(page, "chef")
    page.goto(reverse("stats:guardians"))
    menu = page.get_by_role("navigation", name="Menu principal")
    toggler = menu.get_by_role("button", name="Menu")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu.get_by_role("button", name="Statistiques")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out
    save_screenshot(page, "phone-menu-closed")
    assert axe_violations(page) == []

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    for label in TOP_LEVEL[1:]:
        expect(menu.get_by_role("button", name=label)).to_be_visible()
    expect(menu.get_by_role("button", name="Quitter")).to_be_visible()
    menu.get_by_role("button", name="Statistiques").click()
    expect(menu.get_by_role("link", name="Synthèse codes responsables")).to_have_attribute("aria-current", "page")
    save_screenshot(page, "phone-menu-open")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
    click_and_wait(page, menu.get_by_role("link", name="Synthèse codes élèves"))
    expect(breadcrumb(page)).to_have_text(["Accueil", "Statistiques", "Synthèse codes élèves"])
    expect(menu.get_by_role("button", name="Statistiques")).to_be_hidden()  # folded again on the new page


def test_the_favicon_is_served(page, head):
    response = page.request.get("/favicon.ico")
    assert response.ok
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text()

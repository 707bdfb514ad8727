"""In chromium: the head creates the codes of one division, and the code screens are accessible."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from conftest import axe_violations, browser_sign_in, click_and_wait, save_screenshot
from services.services import service_open, teleservices_activate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def division_pairs(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    in_3a = [make_pair(school, division="3A", last_name=f"ALPHA{i}") for i in range(4)]
    make_car(in_3a[0])
    in_3b = [make_pair(school, division="3B", last_name=f"BETA{i}") for i in range(2)]
    return in_3a, in_3b


def test_the_head_creates_the_codes_of_one_division(page, head, school, division_pairs):
    in_3a, in_3b = division_pairs
    browser_sign_in(page, "chef")
    page.goto(reverse("car:mass_create"))
    page.get_by_label("Une division").check()
    page.get_by_label("Division", exact=True).select_option(label="3A")
    page.get_by_label("Tous", exact=True).last.check()
    click_and_wait(page, page.get_by_role("button", name="Afficher la liste"))
    rows = page.locator("[data-testid=pairs] tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("input[name=couples]:disabled")).to_have_count(1)
    expect(page.locator("input[name=couples]:checked")).to_have_count(3)
    expect(page.get_by_test_id("counts")).to_contain_text(
        "4 couples dans la sélection, dont 3 pouvant recevoir un code"
    )
    save_screenshot(page, "car-mass-create-list")
    select_all = page.get_by_label("Tout cocher")
    expect(select_all).to_be_checked()
    select_all.uncheck()
    expect(page.locator("input[name=couples]:checked")).to_have_count(0)
    select_all.check()
    expect(page.locator("input[name=couples]:checked")).to_have_count(3)
    # Unchecking one line leaves "tout cocher": only the lines still checked are sent.
    page.locator("input[name=couples]:checked").first.uncheck()
    expect(select_all).not_to_be_checked()
    page.locator("input[name=couples]:not(:disabled):not(:checked)").first.check()
    click_and_wait(page, page.get_by_role("button", name="Créer les codes", exact=True))
    expect(page.get_by_role("alert").first).to_contain_text("3 codes créés.")
    expect(page.locator("input[name=couples]:disabled")).to_have_count(4)
    assert all(ActivationCode.objects.filter(kind=CodeKind.CAR, link=x, is_valid=True).count() == 1 for x in in_3a)
    assert not ActivationCode.objects.filter(link__in=in_3b).exists()
    assert axe_violations(page) == []


def test_tout_cocher_creates_the_codes_of_every_page(page, head, school, division_pairs, monkeypatch):
    from car import views

    monkeypatch.setattr(views, "MASS_PAGE_SIZE", 2)
    in_3a, in_3b = division_pairs
    browser_sign_in(page, "chef")
    page.goto(reverse("car:mass_create") + "?population=tous&filtre=sans")
    expect(page.locator("[data-testid=pairs] tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("counts")).to_contain_text("lignes 1 à 2 affichées")
    expect(page.get_by_label("Tout cocher")).to_be_checked()
    click_and_wait(page, page.get_by_role("button", name="Créer les codes", exact=True))
    expect(page.get_by_role("alert").first).to_contain_text("5 codes créés.")
    assert ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True).count() == 6


def test_the_code_screens_are_accessible(page, head, school, division_pairs):
    in_3a, _ = division_pairs
    student = in_3a[0].student
    browser_sign_in(page, "chef")
    problems = {}
    for url in (
        reverse("car:mass_create") + "?population=tous&filtre=tous",
        reverse("car:manage") + "?nom=A",
        reverse("car:pair", args=[in_3a[0].pk]),
        reverse("car:refusals") + "?nom=A",
        reverse("cae:manage") + "?nom=A",
        reverse("cae:student", args=[student.pk]),
    ):
        response = page.goto(url)
        assert response.status == 200, url
        expect(page.locator("main h1").first).to_have_text(re.compile(r"\S"))
        if url.startswith(reverse("car:manage")):
            save_screenshot(page, "car-manage-list")
        violations = axe_violations(page)
        if violations:
            problems[url] = violations
    assert problems == {}


def test_printing_hides_the_menus_and_buttons(page, head, school, division_pairs):
    browser_sign_in(page, "chef")
    page.goto(reverse("car:manage") + "?nom=A")
    expect(page.locator("nav.ts-nav")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav.ts-nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Rechercher")).to_be_hidden()
    expect(page.locator("[data-testid=pairs]")).to_be_visible()


def test_invalidating_a_code_asks_for_confirmation_first(page, head, school, division_pairs):
    in_3a, _ = division_pairs
    code = ActivationCode.objects.get(link=in_3a[0], is_valid=True)
    browser_sign_in(page, "chef")
    page.goto(reverse("car:pair", args=[in_3a[0].pk]))
    messages = []

    def answer(dialog, accept):
        messages.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Invalider le code").click()
    # The click returns once the dialog is answered: declined, the page stays and nothing is sent.
    assert messages and "invalidé définitivement" in messages[0]
    expect(page).to_have_url(re.compile(reverse("car:pair", args=[in_3a[0].pk]) + "$"))
    expect(page.get_by_role("button", name="Invalider le code")).to_be_visible()
    code.refresh_from_db()
    assert code.is_valid
    page.once("dialog", lambda d: answer(d, True))
    click_and_wait(page, page.get_by_role("button", name="Invalider le code"))
    expect(page.get_by_role("alert").first).to_contain_text("Le code est invalidé")
    code.refresh_from_db()
    assert not code.is_valid

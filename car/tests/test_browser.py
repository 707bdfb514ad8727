"""In chromium: the head creates the codes of one division, and the code screens are accessible."""

import pytest
from django.urls import reverse

from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from conftest import axe_violations, browser_sign_in
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
    page.get_by_role("button", name="Afficher la liste").click()
    page.wait_for_load_state()
    rows = page.locator("[data-testid=pairs] tbody tr")
    assert rows.count() == 4
    assert page.locator("input[name=couples]:disabled").count() == 1
    assert page.locator("input[name=couples]:checked").count() == 3
    assert "4 couples dans la sélection, dont 3 pouvant recevoir un code" in page.get_by_test_id("counts").inner_text()
    select_all = page.get_by_label("Tout cocher")
    assert select_all.is_checked()
    select_all.uncheck()
    assert page.locator("input[name=couples]:checked").count() == 0
    select_all.check()
    assert page.locator("input[name=couples]:checked").count() == 3
    # Unchecking one line leaves "tout cocher": only the lines still checked are sent.
    page.locator("input[name=couples]:checked").first.uncheck()
    assert not select_all.is_checked()
    page.locator("input[name=couples]:not(:disabled):not(:checked)").first.check()
    page.get_by_role("button", name="Créer les codes", exact=True).click()
    page.wait_for_load_state()
    assert "3 codes créés." in page.get_by_role("alert").first.inner_text()
    assert page.locator("input[name=couples]:disabled").count() == 4
    assert all(ActivationCode.objects.filter(kind=CodeKind.CAR, link=x, is_valid=True).count() == 1 for x in in_3a)
    assert not ActivationCode.objects.filter(link__in=in_3b).exists()
    assert axe_violations(page) == []


def test_tout_cocher_creates_the_codes_of_every_page(page, head, school, division_pairs, monkeypatch):
    from car import views

    monkeypatch.setattr(views, "MASS_PAGE_SIZE", 2)
    in_3a, in_3b = division_pairs
    browser_sign_in(page, "chef")
    page.goto(reverse("car:mass_create") + "?population=tous&filtre=sans")
    assert page.locator("[data-testid=pairs] tbody tr").count() == 2
    assert "lignes 1 à 2 affichées" in page.get_by_test_id("counts").inner_text()
    assert page.get_by_label("Tout cocher").is_checked()
    page.get_by_role("button", name="Créer les codes", exact=True).click()
    page.wait_for_load_state()
    assert "5 codes créés." in page.get_by_role("alert").first.inner_text()
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
        assert page.locator("main h1").first.inner_text().strip()
        violations = axe_violations(page)
        if violations:
            problems[url] = violations
    assert problems == {}


def test_printing_hides_the_menus_and_buttons(page, head, school, division_pairs):
    browser_sign_in(page, "chef")
    page.goto(reverse("car:manage") + "?nom=A")
    page.emulate_media(media="print")
    assert not page.locator("nav.ts-nav").is_visible()
    assert not page.get_by_role("button", name="Rechercher").is_visible()
    assert page.locator("[data-testid=pairs]").is_visible()


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
    code.refresh_from_db()
    assert code.is_valid and "invalidé définitivement" in messages[0]
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Invalider le code").click()
    page.wait_for_load_state()
    assert "Le code est invalidé" in page.get_by_role("alert").first.inner_text()
    code.refresh_from_db()
    assert not code.is_valid

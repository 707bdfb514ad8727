"""In chromium: a reader and a deputy walk their screens; what their role cannot do is not offered.

Screenshots under var/screenshots/roles-*.png.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from car.services import car_regenerate
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_pair
from conftest import PASSWORD, axe_violations, browser_sign_in, click_and_wait, save_screenshot
from services.services import service_open, teleservices_activate
from staff.models import Role
from staff.services import staff_user_create_or_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def pair(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    link = make_pair(school, last_name="DUPONT")
    car_regenerate(link=link, by=head)
    return link


def _user(school, role: str) -> str:
    staff_user_create_or_update(username=role, password=PASSWORD, schools=[school], role=role)
    return role


def test_a_reader_walks_his_screens_and_never_sees_a_code(page, school, pair):
    browser_sign_in(page, _user(school, Role.CONSULTATION))
    page.goto(reverse("home"))
    expect(page.get_by_test_id("role")).to_have_text("consultation")
    page.get_by_role("button", name="Accès des Responsables").click()
    menu = page.locator(".dropdown-menu.show")
    expect(menu.get_by_role("link")).to_have_text(["Gérer le code pour un (responsable, élève)"])
    save_screenshot(page, "roles-consultation-home")

    page.goto(reverse("car:manage") + "?nom=DUP")
    click_and_wait(page, page.get_by_role("link", name=re.compile("Gérer les codes")).first)
    expect(page).to_have_url(re.compile(rf"/responsables/gerer/{pair.pk}/"))
    expect(page.get_by_test_id("read-only-note")).to_contain_text("leurs valeurs sont masquées")
    expect(page.get_by_test_id("masked-code")).to_have_count(2)
    code = ActivationCode.objects.get(link=pair, kind=CodeKind.CAR, is_valid=True)
    expect(page.locator("main")).not_to_contain_text(code.display)
    for name in ("Nouveau code", "Invalider le code", "Notifier le code", "Enlever l'accès"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    save_screenshot(page, "roles-consultation-pair")
    assert axe_violations(page) == []

    page.goto(reverse("services:welcome_message"))
    expect(page.get_by_test_id("read-only-note")).to_be_visible()
    expect(page.get_by_role("button", name="Valider")).to_be_disabled()
    save_screenshot(page, "roles-consultation-welcome")

    # A forged link to a creation screen gets the French refusal, not an error.
    response = page.goto(reverse("car:mass_create"))
    assert response.status == 403
    expect(page.get_by_test_id("role-refusal")).to_contain_text("(consultation) ne permet pas cette action")
    save_screenshot(page, "roles-consultation-refused")
    assert axe_violations(page) == []


def test_a_deputy_sees_the_opening_read_only_and_manages_codes(page, school, pair):
    browser_sign_in(page, _user(school, Role.ADJOINT))
    page.goto(reverse("services:opening"))
    expect(page.get_by_test_id("read-only-note")).to_contain_text("seul le chef d'établissement")
    expect(page.get_by_role("row", name="Consultation des notes Ouvert")).to_be_visible()
    expect(page.get_by_role("button", name="Valider")).to_have_count(0)
    save_screenshot(page, "roles-adjoint-opening")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Gestion des téléservices").click()
    menu = page.locator(".dropdown-menu.show")
    expect(menu.get_by_role("link", name="Message d’accueil")).to_be_visible()
    expect(menu.get_by_role("link", name="Import SIECLE")).to_have_count(0)

    page.goto(reverse("car:pair", args=[pair.pk]))
    code = ActivationCode.objects.get(link=pair, kind=CodeKind.CAR, is_valid=True)
    expect(page.locator("main table").first).to_contain_text(code.display)
    expect(page.get_by_role("button", name="Nouveau code")).to_be_enabled()
    expect(page.get_by_role("button", name="Notifier le code")).to_be_visible()
    save_screenshot(page, "roles-adjoint-pair")

"""In chromium on a phone: "Mon compte" (F6), the password change, and the contact form (F5)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, click_and_wait, save_screenshot
from portal.auth import password_matches

from .factories import PASSWORD, TsDivisionFactory, TsSchoolFactory, TsStudentFactory, account_factory, guardian_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tsadmin.urls_portal"),
]
NEW_PASSWORD = "Une-toute-nouvelle-phrase-3"
PHONE = {"width": 320, "height": 640}


def _checked(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    save_screenshot(page, f"portal-account-{name}")


@pytest.fixture
def parent():
    school = TsSchoolFactory(name="Collège Jean Moulin", contact_active=True, contact_email="vie-scolaire@ac.example")
    lea = TsStudentFactory(
        school=school, first_name="Léa", last_name="DURAND", division=TsDivisionFactory(school=school, code="6B")
    )
    code, _ = guardian_code(school=school, student=lea)
    return account_factory(login="parent.durand", email="durand@familles.example", codes=[code])


def test_a_parent_on_a_phone_changes_his_password_from_his_account(page, parent, smtp_server):
    page.set_viewport_size(PHONE)
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill("parent.durand")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))
    click_and_wait(page, page.get_by_role("link", name="Mon compte"))
    expect(page.get_by_test_id("attached")).to_contain_text("Léa DURAND")
    expect(page.get_by_test_id("attached")).to_contain_text("Collège Jean Moulin")
    _checked(page, "home")
    click_and_wait(page, page.get_by_role("link", name="Changer mon mot de passe"))
    page.get_by_label("Mot de passe actuel").fill("pas-le-bon-mot-de-passe")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Enregistrer le nouveau mot de passe"))
    expect(page.get_by_text("Le mot de passe actuel n'est pas le bon.")).to_be_visible()
    _checked(page, "password-refused")
    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Enregistrer le nouveau mot de passe"))
    expect(page.get_by_role("alert")).to_contain_text("Votre nouveau mot de passe est enregistré")
    _checked(page, "password-changed")
    parent.refresh_from_db()
    assert password_matches(parent, NEW_PASSWORD)
    click_and_wait(page, page.get_by_role("link", name="Écrire à Collège Jean Moulin"))
    page.get_by_label("Objet").fill("Absence de Léa")
    page.get_by_label("Message").fill("Léa sera absente lundi matin.")
    _checked(page, "contact")
    click_and_wait(page, page.get_by_role("button", name="Envoyer le message"))
    expect(page.get_by_role("alert")).to_contain_text("Votre message a été envoyé à Collège Jean Moulin")
    assert len(smtp_server.to("vie-scolaire@ac.example")) == 1

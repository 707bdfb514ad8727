"""In chromium: directory sign-in → second factor enrolment → portal → TS Admin; then a code."""

import base64
import re
import time

import pytest
from django.contrib.auth.models import User
from django_otp.oath import TOTP
from playwright.sync_api import expect

from conftest import axe_violations, click_and_wait, save_screenshot
from siecle.factories import SchoolFactory
from staff.tests.directory.slapd import Slapd
from staff.tests.test_directory import use_directory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture(scope="module")
def slapd():
    server = Slapd().start()
    yield server
    server.stop()


def code_from_secret(secret: str, steps_ahead: int = 0) -> str:
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def sign_in_form(page, username, password):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))


def test_directory_sign_in_then_second_factor_then_portal_then_ts_admin(page, settings, slapd):
    settings.STAFF_2FA = "all"
    use_directory(settings, slapd.url)
    SchoolFactory(uaj="0781234A", name="Collège Les Tilleuls")
    SchoolFactory(uaj="0785678B", name="Lycée Jules Ferry")

    sign_in_form(page, "mmartin", "Annuaire-Martin-2026")
    expect(page).to_have_url(re.compile(r"/connexion/second-facteur/activation/"))
    expect(page.get_by_role("heading", name="Activer la vérification en deux étapes")).to_be_visible()
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    save_screenshot(page, "signin-enrol")
    assert axe_violations(page) == []
    secret = page.get_by_test_id("totp-secret").inner_text()

    page.get_by_label("Code à 6 chiffres affiché par l'application").fill(code_from_secret(secret))
    click_and_wait(page, page.get_by_role("button", name="Activer"))
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    save_screenshot(page, "signin-recovery-codes")

    # Continue: the portal (two schools, one application: straight to TS Admin's school choice).
    click_and_wait(page, page.get_by_role("link", name="J'ai noté mes codes, continuer"))
    expect(page.get_by_label("Établissement")).to_be_visible()
    page.goto("/portail/?tout=1")
    tile = page.get_by_test_id("application-tsadmin")
    expect(tile).to_be_visible()
    save_screenshot(page, "signin-portal")
    assert axe_violations(page) == []
    click_and_wait(page, tile.get_by_role("link", name="TS Admin — téléservices"))
    choice = page.get_by_label("Établissement")
    choice.select_option(choice.locator("option", has_text="Lycée Jules Ferry").get_attribute("value"))
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.get_by_test_id("school-banner")).to_contain_text("Lycée Jules Ferry")
    save_screenshot(page, "signin-ts-admin")

    # Next time: the code from the app, then straight in.
    page.context.clear_cookies()
    sign_in_form(page, "mmartin", "Annuaire-Martin-2026")
    expect(page).to_have_url(re.compile(r"/connexion/second-facteur/\?next="))
    page.get_by_label("Code à 6 chiffres (ou un code de secours)").fill(code_from_secret(secret, 1))
    click_and_wait(page, page.get_by_role("button", name="Valider"))
    expect(page.get_by_test_id("school-banner")).to_be_visible()
    assert User.objects.get(username="mmartin").school_memberships.count() == 2

"""The whole families' path in Chromium on a phone: code → account → e-mailed link → home → second child."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, click_and_wait, save_screenshot

from .factories import TsDivisionFactory, TsSchoolFactory, TsStudentFactory, guardian_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tsadmin.urls_portal"),
]
PASSWORD = "Une-phrase-de-passe-solide-9"
PHONE = {"width": 360, "height": 740}


def _checked(page, name: str) -> None:
    """No serious accessibility fault, nothing wider than the screen, and a screenshot to look at."""
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    save_screenshot(page, f"portal-{name}")


@pytest.fixture
def two_children():
    college = TsSchoolFactory(
        name="Collège Jean Moulin",
        welcome_html='Bienvenue sur les téléservices du collège !<br>Le <a href="https://ent.example/">site du collège</a>.',
        services=["absences", "notes"],
    )
    lea = TsStudentFactory(
        school=college,
        first_name="Léa",
        last_name="DURAND",
        birth_date=dt.date(2013, 5, 14),
        division=TsDivisionFactory(school=college, code="6B"),
    )
    lycee = TsSchoolFactory(name="Lycée Marie Curie", welcome_html="Bonne rentrée à tous.", services=["lpc"])
    tom = TsStudentFactory(
        school=lycee,
        first_name="Tom",
        last_name="DURAND",
        birth_date=dt.date(2009, 2, 3),
        division=TsDivisionFactory(school=lycee, code="2NDE4"),
    )
    _c1, first = guardian_code(school=college, student=lea)
    _c2, second = guardian_code(school=lycee, student=tom)
    return first, second


def test_a_parent_on_a_phone_creates_his_account_validates_it_and_attaches_a_second_child(
    page, live_server, smtp_server, two_children
):
    first, second = two_children
    page.set_viewport_size(PHONE)
    # The letter's QR code: the code arrives in the fragment and fills the field.
    page.goto(f"/activation/#code={first}")
    expect(page.get_by_label("Code d'activation")).to_have_value(first)
    assert "#code" not in page.url  # removed from the address bar and the history
    page.get_by_label("Date de naissance de l'enfant").fill("14/05/2013")
    _checked(page, "activation")
    click_and_wait(page, page.get_by_role("button", name="Continuer"))

    expect(page.get_by_role("heading", name="Choisissez votre identifiant et votre mot de passe")).to_be_visible()
    expect(page.get_by_text("Léa DURAND")).to_be_visible()
    page.get_by_label("Identifiant").fill("anne.durand")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_label("Adresse électronique").fill("anne.durand@familles.example")
    _checked(page, "account")
    click_and_wait(page, page.get_by_role("button", name="Créer mon compte"))
    expect(page.get_by_role("heading", name="Votre compte est créé")).to_be_visible()
    _checked(page, "created")

    # The validation link, read from the e-mail the real SMTP server received.
    [message] = smtp_server.to("anne.durand@familles.example")
    body = message.get_content()
    link = re.search(r"(http://\S+/activation/valider/\S+/)", body).group(1)
    assert link.startswith(live_server.url)
    page.goto(link)
    _checked(page, "validate")
    click_and_wait(page, page.get_by_role("button", name="Valider mon compte"))
    expect(page.get_by_text("est validé")).to_be_visible()
    click_and_wait(page, page.get_by_role("link", name="Se connecter"))

    page.get_by_label("Identifiant").fill("anne.durand")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    _checked(page, "sign-in")
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))
    expect(page.get_by_test_id("children-count")).to_have_text("1 enfant est rattaché à votre compte.")
    expect(page.get_by_test_id("child")).to_contain_text("Léa DURAND")
    expect(page.get_by_test_id("child")).to_contain_text("Classe : 6B")
    expect(page.get_by_test_id("welcome")).to_contain_text("Bienvenue sur les téléservices du collège")
    expect(page.get_by_role("link", name="site du collège")).to_have_attribute("href", "https://ent.example/")
    expect(page.get_by_text("Consultation des absences")).to_be_visible()
    _checked(page, "home")

    click_and_wait(page, page.get_by_role("link", name="Rattacher un enfant"))
    page.get_by_label("Code d'activation").fill(second.lower())
    page.get_by_label("Date de naissance de l'enfant").fill("03/02/2009")
    _checked(page, "attach")
    click_and_wait(page, page.get_by_role("button", name="Rattacher cet enfant"))
    expect(page.get_by_test_id("children-count")).to_have_text("2 enfants sont rattachés à votre compte.")
    expect(page.get_by_role("heading", name="Lycée Marie Curie")).to_be_visible()
    expect(page.get_by_role("heading", name="Tom DURAND")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Tom DURAND est maintenant rattaché(e) à votre compte")
    expect(page.get_by_text("Bonne rentrée à tous.")).to_be_visible()
    _checked(page, "home-two-children")

    # The narrowest phone still shows everything without sideways scrolling.
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    _checked(page, "home-320")


def test_a_wrong_birth_date_keeps_the_form_with_one_plain_message(page, two_children):
    first, _second = two_children
    page.set_viewport_size(PHONE)
    page.goto("/activation/")
    page.get_by_label("Code d'activation").fill(first)
    page.get_by_label("Date de naissance de l'enfant").fill("15/05/2013")
    click_and_wait(page, page.get_by_role("button", name="Continuer"))
    expect(page.get_by_test_id("code-error")).to_contain_text("ne permettent pas d'ouvrir un accès")
    expect(page.get_by_label("Code d'activation")).to_have_value(first)
    _checked(page, "refused")


def test_the_other_pages_are_accessible_and_fit_a_320_px_screen(page, live_server, smtp_server, two_children):
    """Sign-in refusal, forgotten password (asked, sent, link), forced change of a temporary password, 404."""
    from portal.models import Account
    from portal.tests.factories import account_factory

    account_factory(login="paul.martin", email="paul@familles.example", must_change_password=True)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill("paul.martin")
    page.get_by_label("Mot de passe").fill("pas le bon")
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect")
    _checked(page, "sign-in-refused")

    click_and_wait(page, page.get_by_role("link", name="Mot de passe oublié ?"))
    page.get_by_label("Adresse électronique de votre compte").fill("paul@familles.example")
    _checked(page, "forgotten")
    click_and_wait(page, page.get_by_role("button", name="Recevoir un lien"))
    expect(page.get_by_role("status")).to_contain_text("Si un compte validé utilise l'adresse")
    _checked(page, "forgotten-sent")
    [message] = smtp_server.to("paul@familles.example")
    link = re.search(r"(http://\S+/mot-de-passe/nouveau/\S+/)", message.get_content()).group(1)
    page.goto(link)
    page.locator("#id_password1").fill("Mon-nouveau-mot-de-passe-5")
    page.locator("#id_password2").fill("Mon-nouveau-mot-de-passe-5")
    _checked(page, "reset")
    click_and_wait(page, page.get_by_role("button", name="Enregistrer le mot de passe"))
    expect(page.get_by_role("status")).to_contain_text("Votre nouveau mot de passe est enregistré")

    Account.objects.filter(login="paul.martin").update(must_change_password=True)
    click_and_wait(page, page.get_by_role("link", name="Se connecter"))
    page.get_by_label("Identifiant").fill("paul.martin")
    page.get_by_label("Mot de passe").fill("Mon-nouveau-mot-de-passe-5")
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))
    expect(page.get_by_role("heading", name="Choisissez votre mot de passe")).to_be_visible()
    _checked(page, "forced-change")
    page.goto("/page-qui-n-existe-pas/")
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    _checked(page, "404")

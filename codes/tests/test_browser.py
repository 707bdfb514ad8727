"""In chromium: the code screens ask before what cannot be undone, and stay readable on a phone."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from codes.models import AccessRefusal, ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from conftest import browser_sign_in
from services.services import service_open, teleservices_activate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def pairs(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    links = [
        make_pair(school, division="3 A2", last_name=f"DE LA FONTAINE-MARTIN{i}", first_name="Jean-Baptiste")
        for i in range(3)
    ]
    make_car(links[0])
    return links


def _answer(page, *, accept: bool) -> list[str]:
    """Answer the next confirmation dialog; the list receives its question."""
    asked: list[str] = []

    def handle(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", handle)
    return asked


def test_the_bulk_refusal_asks_with_the_number_of_checked_pairs(page, head, school, pairs):
    browser_sign_in(page, "chef")
    page.goto(reverse("car:refusals") + "?nom=DE")
    boxes = page.locator("input[name=couples]")
    expect(boxes).to_have_count(3)
    boxes.nth(0).check()
    boxes.nth(1).check()
    asked = _answer(page, accept=False)
    page.get_by_role("button", name="Enregistrer le refus des couples cochés").click()
    assert asked == ["Enregistrer le refus des 2 couples cochés ? Leurs codes valides seront invalidés définitivement."]
    assert not AccessRefusal.objects.exists()
    boxes.nth(1).uncheck()
    asked = _answer(page, accept=True)
    page.get_by_role("button", name="Enregistrer le refus des couples cochés").click()
    expect(page.get_by_role("alert").first).to_contain_text("1 refus enregistré")
    assert asked == ["Enregistrer le refus du couple coché ? Son code valide sera invalidé définitivement."]
    assert list(AccessRefusal.objects.values_list("link_id", flat=True)) == [pairs[0].pk]
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True).exists()


def test_removing_a_students_access_asks_first(page, head, school, pairs):
    student = pairs[1].student
    browser_sign_in(page, "chef")
    page.goto(reverse("cae:student", args=[student.pk]))
    asked = _answer(page, accept=False)
    page.get_by_role("button", name="Enlever l'accès").click()
    assert asked and "n'accédera plus aux téléservices" in asked[0]
    expect(page.get_by_test_id("access-state")).to_contain_text("Accède aux téléservices")
    assert not AccessRefusal.objects.filter(student=student).exists()
    _answer(page, accept=True)
    page.get_by_role("button", name="Enlever l'accès").click()
    expect(page.get_by_test_id("access-state")).to_contain_text("N'accède pas aux téléservices")
    assert AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).exists()
    # Giving the access back is not destructive: no question.
    page.get_by_role("button", name="Autoriser l'accès").click()
    expect(page.get_by_test_id("access-state")).to_contain_text("Accède aux téléservices")
    assert not AccessRefusal.objects.filter(student=student).exists()


SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def test_on_a_phone_a_student_stays_on_one_line_and_the_list_scrolls_sideways(page, head, school, pairs):
    page.set_viewport_size({"width": 375, "height": 740})
    browser_sign_in(page, "chef")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in (
        ("car-gerer", reverse("car:manage") + "?nom=DE"),
        ("car-refus", reverse("car:refusals") + "?nom=DE"),
        ("cae-gerer", reverse("cae:manage") + "?nom=DE"),
        ("car-creer", reverse("car:mass_create") + "?population=tous&filtre=tous"),
    ):
        page.goto(url)
        page.screenshot(path=SCREENSHOTS / f"{name}-telephone.png", full_page=True)
        student = page.locator(".ts-student").first
        expect(student).to_contain_text("DE LA FONTAINE-MARTIN0 Jean-Baptiste (3 A2)")
        assert student.evaluate("el => el.getClientRects().length") == 1, url
        scroller = page.locator(".table-responsive").first
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth"), url


def test_a_disabled_box_shows_and_announces_why(page, head, school, pairs):
    browser_sign_in(page, "chef")
    page.goto(reverse("car:mass_create") + "?population=tous&filtre=tous")
    box = page.locator(f"input[name=couples][value='{pairs[0].pk}']")
    expect(box).to_be_disabled()
    expect(box).to_have_accessible_description("A déjà un code valide")
    expect(page.locator(f"#pourquoi-{pairs[0].pk}")).to_be_visible()
    style = box.evaluate("el => getComputedStyle(el).borderTopStyle")
    assert style == "dashed"

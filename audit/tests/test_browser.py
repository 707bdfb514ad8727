"""The journal in chromium: a head sees his reads from the menu; academy staff filter and export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import ReadEvent
from car.services import car_regenerate
from codes.tests.factories import make_pair
from conftest import PASSWORD, axe_violations, browser_sign_in, click_and_wait, save_screenshot
from staff.services import staff_user_create_or_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_head_finds_his_reads_in_the_journal_from_the_menu(page, head, school):
    link = make_pair(school, last_name="DURAND")
    car_regenerate(link=link, by=head)
    browser_sign_in(page, "chef")
    page.goto(reverse("car:pair", args=[link.pk]))
    expect(page.locator("main h1")).to_be_visible()
    with page.expect_download() as info:
        page.goto(reverse("car:manage") + "?nom=D")
        page.get_by_role("link", name="Exporter (CSV)").click()
    info.value.path()  # the whole file arrived

    page.get_by_role("button", name="Gestion des téléservices").click()
    click_and_wait(page, page.get_by_role("link", name="Journal des consultations"))
    expect(page.locator("main h1")).to_have_text("Journal des consultations")
    expect(page.get_by_test_id("count")).to_have_text(re.compile(r"^2 lectures"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Export CSV")
    expect(rows.nth(0)).to_contain_text("Liste des couples (responsable, élève)")
    expect(rows.nth(1)).to_contain_text("Consultation de codes")
    expect(rows.nth(1)).to_contain_text(f"Codes du couple n° {link.pk}")
    expect(rows.nth(1)).to_contain_text("127.0.0.1")
    save_screenshot(page, "audit-school-journal")
    assert axe_violations(page) == []

    # Only the code screens; then a range that ends before it starts: a French message, the form kept.
    page.get_by_label("Type de lecture").select_option(label="Consultation de codes")
    click_and_wait(page, page.get_by_role("button", name="Filtrer"))
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Type de lecture")).to_have_value("codes")
    page.get_by_label("À partir du").fill("2026-10-05")
    page.get_by_label("Jusqu’au (inclus)").fill("2026-10-01")
    click_and_wait(page, page.get_by_role("button", name="Filtrer"))
    expect(page.get_by_test_id("filter-error")).to_have_text("La date de début doit précéder la date de fin.")
    expect(page.get_by_label("À partir du")).to_have_value("2026-10-05")
    expect(page.get_by_test_id("no-list")).to_be_visible()
    save_screenshot(page, "audit-school-journal-bad-range")
    assert axe_violations(page) == []
    assert ReadEvent.objects.count() == 2  # the journal's own pages write nothing


def test_academy_staff_read_and_export_the_academys_journal(page, head, school, other_school):
    staff_user_create_or_update(username="dsi", password=PASSWORD, academy=school.academy)
    browser_sign_in(page, "dsi")
    page.goto(reverse("audit:academy_choose"))
    expect(page).to_have_url(re.compile(reverse("audit:academy", args=[school.academy.code]) + "$"))
    expect(page.locator("main h1")).to_have_text(f"Journal des consultations — {school.academy.name}")
    expect(page.get_by_test_id("empty")).to_be_visible()
    save_screenshot(page, "audit-academy-journal-empty")

    with page.expect_download() as info:
        page.goto(reverse("stats:academy", args=[school.academy.code]))
        page.get_by_role("link", name="Exporter les codes responsables (CSV)").click()
    info.value.path()
    page.goto(reverse("audit:academy", args=[school.academy.code]))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("(académie)")
    expect(rows.first).to_contain_text("Synthèse codes responsables de l’académie")
    save_screenshot(page, "audit-academy-journal")
    assert axe_violations(page) == []

    with page.expect_download() as info:
        page.get_by_role("link", name="Exporter (CSV)").click()
    body = open(info.value.path(), encoding="utf-8-sig").read()
    lines = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert lines[0][0] == "Date et heure" and len(lines) == 2
    assert lines[1][1:4] == ["dsi", "", "(académie)"]
    assert ReadEvent.objects.filter(what="journal-academie", username="dsi").count() == 1


def test_staff_of_two_academies_pick_one_journal(page, school):
    from siecle.factories import AcademyFactory

    second = AcademyFactory(code="SECONDE", name="Académie seconde")
    staff_user_create_or_update(username="dsi", password=PASSWORD, academy=school.academy)
    staff_user_create_or_update(username="dsi", academy=second, set_password=False)
    browser_sign_in(page, "dsi")
    page.get_by_role("button", name="Statistiques").click()
    click_and_wait(page, page.get_by_role("link", name="Journal de l’académie"))
    expect(page.locator("main h1")).to_have_text("Journal des consultations")
    save_screenshot(page, "audit-academy-choose")
    assert axe_violations(page) == []
    click_and_wait(page, page.get_by_role("link", name="Académie seconde"))
    expect(page.locator("main h1")).to_have_text("Journal des consultations — Académie seconde")


def test_on_a_phone_the_journal_fits_the_screen(page, head, school):
    link = make_pair(school, last_name="DURAND")
    car_regenerate(link=link, by=head)
    page.set_viewport_size({"width": 375, "height": 812})
    browser_sign_in(page, "chef")
    page.goto(reverse("car:pair", args=[link.pk]))
    page.goto(reverse("audit:school"))
    expect(page.locator("tbody tr")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "phone-audit-school-journal")
    assert axe_violations(page) == []

"""The statistics pages with figures, in chromium: charts and tables accessible (axe-core), printable."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, save_screenshot
from staff.services import staff_user_create_or_update
from stats.tests.conftest import build_known_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_head_reads_both_syntheses_with_charts_figures_and_no_accessibility_violation(page, head, school):
    build_known_school(school)
    browser_sign_in(page, "chef")
    for name in ("stats:students", "stats:guardians"):
        page.goto(reverse(name))
        expect(page.get_by_role("table", name="MEF 3EME")).to_be_visible()
        expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
        chart = page.get_by_role("img", name=re.compile(r"^MEF 3EME, par division — .* avec un compte : 3A 66,67"))
        expect(chart).to_be_visible()
        # Above its table, and as wide as the figures need: the 3A bar is two thirds of the 100 % mark.
        chart_box = chart.bounding_box()
        assert chart_box["y"] + chart_box["height"] <= page.get_by_role("table", name="MEF 3EME").bounding_box()["y"]
        bars = chart.locator("rect.ts-chart-bar")
        expect(bars).to_have_count(2)
        assert bars.first.bounding_box()["width"] > 0 and bars.last.bounding_box()["width"] == 0
        expect(page.get_by_role("img", name=re.compile(r"^ensemble de l’établissement, par MEF"))).to_be_visible()
        save_screenshot(page, name.replace(":", "-") + "-with-charts")
        assert axe_violations(page) == [], name
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Imprimer")).to_be_hidden()
    expect(page.get_by_role("table", name="MEF 6EME")).to_be_visible()


def test_on_a_phone_the_charts_fit_the_screen(page, head, school):
    build_known_school(school)
    page.set_viewport_size({"width": 375, "height": 812})
    browser_sign_in(page, "chef")
    page.goto(reverse("stats:guardians"))
    chart = page.get_by_role("img", name=re.compile(r"^MEF 3EME, par division"))
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "phone-stats-guardians")
    assert axe_violations(page) == []


def test_academy_staff_read_the_academy_table(page, school, other_school):
    build_known_school(school)
    staff_user_create_or_update(username="dsi", password="Un-mot-de-passe-solide-42", academy=school.academy)
    browser_sign_in(page, "dsi")
    page.goto(reverse("stats:academy", args=[school.academy.code]))
    table = page.get_by_role("table", name="Synthèse des codes responsables par établissement")
    expect(table).to_contain_text(school.uaj)
    expect(table).to_contain_text(other_school.uaj)
    assert axe_violations(page) == []

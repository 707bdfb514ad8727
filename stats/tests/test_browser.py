"""The statistics pages with figures, in chromium: accessible (axe-core), printable."""

import pytest
from django.urls import reverse

from conftest import axe_violations, browser_sign_in
from staff.services import staff_user_create_or_update
from stats.tests.conftest import build_known_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_head_reads_both_syntheses_with_figures_and_no_accessibility_violation(page, head, school):
    build_known_school(school)
    browser_sign_in(page, "chef")
    for name in ("stats:students", "stats:guardians"):
        page.goto(reverse(name))
        assert page.get_by_role("table", name="MEF 3EME").is_visible()
        assert page.get_by_role("button", name="Imprimer").is_visible()
        assert axe_violations(page) == [], name
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Imprimer").is_visible()
    assert page.get_by_role("table", name="MEF 6EME").is_visible()


def test_academy_staff_read_the_academy_table(page, school, other_school):
    build_known_school(school)
    staff_user_create_or_update(username="dsi", password="Un-mot-de-passe-solide-42", academy=school.academy)
    browser_sign_in(page, "dsi")
    page.goto(reverse("stats:academy", args=[school.academy.code]))
    table = page.get_by_role("table", name="Synthèse des codes responsables par établissement")
    assert school.uaj in table.inner_text() and other_school.uaj in table.inner_text()
    assert axe_violations(page) == []

"""In chromium: a parent reads his child's notes, absences, LPC (and downloads it) and B2i, on a phone and a desktop."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import axe_violations, click_and_wait, save_screenshot
from portal.catalogue import LPC_COMPETENCES
from portal.consultation import school_year_of
from portal.models import Absence, B2iItem, Competence, Mark

from .factories import (
    PASSWORD,
    TsDivisionFactory,
    TsSchoolFactory,
    TsStudentFactory,
    account_factory,
    guardian_code,
    next_id,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.urls("tsadmin.urls_portal"),
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _checked(page, name: str) -> None:
    """No serious accessibility fault, nothing wider than the screen, and a screenshot to look at."""
    assert axe_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    save_screenshot(page, f"portal-consultation-{name}")


def _this_year(days_ago: int) -> dt.date:
    """A day of the current school year, `days_ago` before today at most (never before 1 September)."""
    today = timezone.localdate()
    return max(dt.date(school_year_of(today), 9, 1), today - dt.timedelta(days=days_ago))


@pytest.fixture
def lea():
    school = TsSchoolFactory(
        name="Collège Langevin Wallon",
        address_line1="40 rue du Rendez-Vous",
        postcode="54360",
        city="BLAINVILLE-SUR-L'EAU",
        services=["absences", "b2i", "lpc", "notes"],
    )
    student = TsStudentFactory(
        school=school,
        first_name="Charlène",
        last_name="MARTIN",
        birth_date=dt.date(2012, 7, 7),
        division=TsDivisionFactory(school=school, code="4F"),
    )
    code, _ = guardian_code(school=school, student=student)
    account_factory(login="parent.martin", codes=[code])
    rows = [
        ("MATHEMATIQUES", "Équations du premier degré", 3, "note", Decimal("15.5"), 20, Decimal(2)),
        ("MATHEMATIQUES", "Calcul mental", 10, "note", Decimal(7), 10, Decimal(1)),
        ("FRANCAIS", "Rédaction : un souvenir d'enfance", 5, "abs", None, 20, Decimal(1)),
        ("FRANCAIS", "Dictée", 12, "note", Decimal("11.25"), 20, Decimal("0.5")),
        ("HISTOIRE-GEOGRAPHIE", "Les révolutions", 8, "disp", None, 20, Decimal(1)),
    ]
    for subject, label, days_ago, status, value, scale, coefficient in rows:
        Mark.objects.create(
            id=next_id(),
            school=school,
            student=student,
            subject=subject,
            label=label,
            evaluated_on=_this_year(days_ago),
            coefficient=coefficient,
            scale=scale,
            status=status,
            value=value,
        )
    for days_ago, half in ((2, "M"), (2, "A"), (9, "M")):
        Absence.objects.create(id=next_id(), school=school, student=student, date=_this_year(days_ago), half_day=half)
    Competence.objects.create(
        id=next_id(), school=school, student=student, competence=1, validated_on=dt.date(2026, 3, 12)
    )
    B2iItem.objects.create(
        id=next_id(), school=school, student=student, item="1.1", domain=1, validated_on=_this_year(4)
    )
    return student


def _sign_in(page) -> None:
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill("parent.martin")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Se connecter"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_parent_reads_a_mark_and_downloads_the_lpc_booklet(page, lea, viewport):
    page.set_viewport_size(viewport)
    size = "phone" if viewport is PHONE else "desktop"
    _sign_in(page)
    click_and_wait(page, page.get_by_role("link", name="Consultation des notes"))
    expect(page.get_by_role("heading", name="Consultation des notes", level=1)).to_be_visible()
    expect(page.get_by_test_id("child-header")).to_contain_text("La scolarité de Charlène MARTIN")
    maths = page.get_by_test_id("subject").filter(has=page.get_by_role("heading", name="MATHEMATIQUES"))
    first = maths.get_by_test_id("mark").first
    expect(first).to_contain_text("Équations du premier degré")
    expect(first).to_contain_text("15,5/20")
    # (15.5 × 2 + 7/10 brought to 14 × 1) / 3 = 15
    expect(maths.get_by_test_id("average")).to_contain_text("Moyenne indicative : 15/20")
    french = page.get_by_test_id("subject").filter(has=page.get_by_role("heading", name="FRANCAIS"))
    expect(french.get_by_test_id("mark").first).to_contain_text("Absent")
    _checked(page, f"notes-{size}")
    if viewport is PHONE:  # the narrowest phone still reads every mark without sideways scrolling
        page.set_viewport_size({"width": 320, "height": 640})
        page.reload()
        expect(first).to_contain_text("15,5/20")
        _checked(page, "notes-320")
        page.set_viewport_size(PHONE)

    click_and_wait(page, page.get_by_role("link", name="Absences", exact=True))
    weeks = page.get_by_test_id("absence-week")
    expect(weeks.first).to_be_visible()
    page.get_by_text("Voir les jours").first.click()
    expect(weeks.first.get_by_role("listitem").first).to_be_visible()
    _checked(page, f"absences-{size}")

    click_and_wait(page, page.get_by_role("link", name="B2i", exact=True))
    expect(page.get_by_test_id("b2i-item")).to_contain_text("Je sais m'identifier sur un réseau")
    _checked(page, f"b2i-{size}")

    click_and_wait(page, page.get_by_role("link", name="Livret de compétences", exact=True))
    competences = page.get_by_test_id("competence")
    expect(competences).to_have_count(7)
    expect(competences.first).to_contain_text("validée le 12/03/2026")
    expect(competences.nth(6)).to_contain_text("Compétence 7 - L'autonomie et l'initiative")
    expect(competences.nth(6)).to_contain_text("non validée à ce jour")
    _checked(page, f"lpc-{size}")

    with page.expect_download() as info:
        page.get_by_role("link", name="Éditer le livret au format PDF").click()
    download = info.value
    assert download.suggested_filename == "lpc_martin_charlene_palier_3.pdf"
    data = open(download.path(), "rb").read()  # noqa: PTH123 — Playwright gives a path string
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert "La scolarité de Charlène MARTIN" in text and "Collège Langevin Wallon" in text
    for number, label in LPC_COMPETENCES.items():
        assert f"Compétence {number} - {label}" in text

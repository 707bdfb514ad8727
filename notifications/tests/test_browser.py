"""In chromium with a real Celery worker: the head notifies by letter from the C3 screen, follows
the progress bar and downloads the PDF, which holds every child; the codes count as notified.

Needs PAPER's letters job (notifications.batches) and MAIL's `codes_notification_record(school=...)`
to agree: it passes once the letters' join passes the school (merge of issue 9).
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from codes.models import ActivationCode, CodeKind, NotificationMode
from codes.tests.factories import day, make_car, make_pair
from conftest import axe_violations, browser_sign_in, click_and_wait, save_screenshot
from services.services import service_open, teleservices_activate

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]

LETTERS = 24


@pytest.fixture
def paper_pairs(school, head):
    """Guardians without e-mail (so paper), one of them under continuity of access."""
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    links = []
    for i in range(LETTERS):
        link = make_pair(school, division="3A", last_name=f"ELEVE{i:02d}")
        link.guardian.email = ""
        link.guardian.last_name = f"PARENT{i:02d}"
        link.guardian.save()
        make_car(link, continuity=day("2026-10-10") if i == 0 else None)
        links.append(link)
    return links


@pytest.fixture(autouse=True)
def no_self_reloading_pages(settings):
    # The result page reloads itself while e-mails wait: a reload in the middle of an axe run
    # or a click would make these tests depend on timing.
    settings.NOTIFICATIONS_RUN_REFRESH_SECONDS = 0


def test_from_the_c3_screen_through_the_progress_bar_to_the_pdf(celery_worker, page, head, school, paper_pairs):
    browser_sign_in(page, "chef")
    page.goto(reverse("notifications:guardians"))
    # Ticking a transmission mode shows the list at once (the criteria form is submitted).
    with page.expect_navigation():
        page.get_by_label("Document papier").check()
    rows = page.locator("[data-testid=pairs] tbody tr")
    expect(rows).to_have_count(LETTERS)
    expect(page.locator("[data-testid=pairs] tbody tr.ts-continuity")).to_have_count(1)
    expect(page.get_by_test_id("counts")).to_contain_text(f"{LETTERS} couples élève / responsable")
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-c3-list")

    click_and_wait(page, page.get_by_role("button", name="Notifier"))
    expect(page.get_by_role("heading", name="Résultat de la notification")).to_be_visible()
    pdf_link = page.get_by_role("link", name="Télécharger les courriers (PDF)")
    bar = page.get_by_role("progressbar", name="Préparation des courriers")
    expect(bar.or_(pdf_link)).to_be_visible()
    if bar.is_visible():
        assert axe_violations(page) == []
        save_screenshot(page, "notifications-c3-progress")
    # The progress script reloads the page when the job ends: the link appears.
    expect(pdf_link).to_be_visible(timeout=120_000)
    expect(page.get_by_test_id("letters-done")).to_contain_text(f"{LETTERS} courriers prêts")
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-c3-done")

    with page.expect_download() as info:
        pdf_link.click()
    reader = PdfReader(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    text = "\n".join(p.extract_text() for p in reader.pages)
    for link in paper_pairs:
        assert link.student.last_name in text
    codes = ActivationCode.objects.filter(kind=CodeKind.CAR, link__in=paper_pairs, is_valid=True)
    assert codes.filter(notification_mode=NotificationMode.LETTER, notified_at__isnull=False).count() == LETTERS


def test_notifier_code_on_the_pair_screen_queues_the_email_and_shows_its_state(page, head, school, paper_pairs):
    link = paper_pairs[1]
    link.guardian.email = "parent@famille.example"
    link.guardian.save()
    browser_sign_in(page, "chef")
    page.goto(reverse("car:pair", args=[link.pk]))
    expect(page.get_by_label("par courriel")).to_be_checked()
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-pair-notify")
    click_and_wait(page, page.get_by_role("button", name="Notifier le code"))
    expect(page.get_by_test_id("email-counts")).to_be_visible()
    expect(page.get_by_text("1 courriel à envoyer")).to_be_visible()
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-pair-result")
    click_and_wait(page, page.get_by_role("link", name="Retour au couple"))
    expect(page.get_by_role("heading", name="Gérer le code pour un (responsable, élève)")).to_be_visible()


def test_the_student_screen_warns_before_notifying(page, head, school, paper_pairs):
    student = paper_pairs[2].student
    browser_sign_in(page, "chef")
    page.goto(reverse("cae:student", args=[student.pk]))
    expect(page.get_by_text("L'élève sera compté comme notifié.")).to_be_visible()
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("button", name="Notifier le code").click()
    expect(page).to_have_url(re.compile(rf"/eleves/gerer/{student.pk}/$"))
    assert questions and "compté comme notifié" in questions[0]
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-student-notify")


def test_the_students_screen_lists_then_warns_without_open_service(page, head, school):
    from siecle.factories import StudentFactory

    for i in range(3):
        StudentFactory(school=school, last_name=f"ELEVE{i}")
    browser_sign_in(page, "chef")
    page.goto(reverse("notifications:students"))
    expect(page.get_by_test_id("no-open-service")).to_be_visible()
    page.get_by_label("Tous", exact=True).first.check()
    click_and_wait(page, page.get_by_role("button", name="Rechercher"))
    expect(page.locator("[data-testid=students] tbody tr")).to_have_count(3)
    expect(page.get_by_label("Je confirme l'envoi bien qu'aucun téléservice ne soit ouvert")).to_be_visible()
    assert axe_violations(page) == []
    save_screenshot(page, "notifications-d2-list")

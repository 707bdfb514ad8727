"""In chromium: the progress bar follows the job, then the page shows the report; both accessible."""

import os

import pytest

from conftest import axe_violations, browser_sign_in
from imports.services import IMPORT_JOB_KIND
from jobs.services import job_claim, job_create, job_finish, job_progress
from siecle.importer import ImportReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_the_progress_bar_moves_then_the_report_appears(page, head, school):
    job = job_create(school=school, kind=IMPORT_JOB_KIND, created_by=head, params={"name": "eleves.xml"}, total=200)
    job_claim(job_id=job.pk)
    browser_sign_in(page, "chef")
    page.goto(f"/import/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Avancement de l'import")
    assert bar.get_attribute("aria-valuenow") == "0"
    assert axe_violations(page) == []

    job_progress(job_id=job.pk, done=100, total=200, message="Lecture et enregistrement des données")
    page.wait_for_function("document.querySelector('[data-job-bar]').getAttribute('aria-valuenow') === '50'")
    assert "Lecture et enregistrement" in page.inner_text("[data-job-message]")

    report = ImportReport(uaj=school.uaj, school_name=school.name, year=2026)
    report.counts["students"].created = 12
    report.reject("élève", "ELEVE_ID 7", "nom de famille absent")
    job_finish(job_id=job.pk, result=report.to_dict(), message="Import terminé")
    page.get_by_text("Import terminé pour").wait_for()
    assert "Nom de famille absent" in page.inner_text("main")
    assert axe_violations(page) == []


def test_a_preview_in_red_needs_the_box_ticked_and_is_accessible(page, head, school, settings, tmp_path):
    import datetime

    from django.utils import timezone
    from playwright.sync_api import expect

    from imports.services import IMPORT_PREVIEW_KIND
    from imports.uploads import imports_dir
    from jobs.models import Job

    settings.MEDIA_ROOT = tmp_path / "media"
    kept = imports_dir() / "p.upload"
    kept.write_bytes(b"<BEE_ELEVES/>")
    preview = job_create(
        school=school,
        kind=IMPORT_PREVIEW_KIND,
        created_by=head,
        params={"name": "eleves.xml", "file": "imports/p.upload"},
    )
    job_claim(job_id=preview.pk)
    report = ImportReport(uaj=school.uaj, school_name=school.name, year=2026, present_students=296)
    report.export_students["students"] = 1
    report.students_leaving = 295
    until = timezone.now() + datetime.timedelta(hours=24)
    job_finish(job_id=preview.pk, result=report.to_dict(), params={"keep_file_until": until.isoformat()})

    browser_sign_in(page, "chef")
    page.goto(f"/import/{preview.pk}/")
    expect(page.get_by_role("alert").filter(has_text="changements massifs")).to_contain_text(
        "295 élèves présents sur 296 (100 %) seraient marqués comme sortis"
    )
    assert axe_violations(page) == []
    if os.environ.get("QA_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["QA_SCREENSHOTS"], "07-preview-red.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer cet import").click()
    expect(page.get_by_text("Cochez la case de confirmation")).to_be_visible()
    assert not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()
    expect(page.get_by_label("J'ai compris", exact=False)).not_to_be_checked()
    assert axe_violations(page) == []
    assert kept.exists()

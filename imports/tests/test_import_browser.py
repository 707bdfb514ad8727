"""In chromium: the progress bar follows a job whose progress the test drives, then the page shows
the report (or the failure); every state accessible."""

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in, save_screenshot
from imports.services import IMPORT_JOB_KIND
from jobs import services as jobs_services
from jobs.services import job_claim, job_create, job_fail, job_finish, job_progress
from siecle.importer import ImportReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


@pytest.fixture
def running_job(head, school, monkeypatch):
    # Every progress call of the test reaches the page: no throttling between two steps.
    monkeypatch.setattr(jobs_services, "PROGRESS_INTERVAL", 0)
    job = job_create(school=school, kind=IMPORT_JOB_KIND, created_by=head, params={"name": "eleves.xml"}, total=200)
    job_claim(job_id=job.pk)
    return job


def test_the_progress_bar_moves_then_the_report_appears(page, school, running_job):
    job = running_job
    browser_sign_in(page, "chef")
    page.goto(f"/import/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Avancement de l'import")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    assert axe_violations(page) == []

    job_progress(job_id=job.pk, done=100, total=200, message="Lecture et enregistrement des données")
    expect(bar).to_have_attribute("aria-valuenow", "50")
    expect(bar).to_have_text("50 %")
    expect(page.locator("[data-job-message]")).to_contain_text("Lecture et enregistrement")
    job_progress(job_id=job.pk, done=150, total=200, message="Liens élève–responsable")
    expect(bar).to_have_attribute("aria-valuenow", "75")
    expect(page.locator("[data-job-message]")).to_contain_text("Liens élève–responsable")
    assert axe_violations(page) == []

    report = ImportReport(uaj=school.uaj, school_name=school.name, year=2026)
    report.counts["students"].created = 12
    report.reject("élève", "ELEVE_ID 7", "nom de famille absent")
    job_finish(job_id=job.pk, result=report.to_dict(), message="Import terminé")
    # The page reloads by itself and shows the report in place of the bar.
    expect(page.get_by_text("Import terminé pour")).to_be_visible()
    expect(bar).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Nom de famille absent")
    assert axe_violations(page) == []


def test_a_failed_job_replaces_the_bar_with_its_reason(page, running_job):
    job = running_job
    browser_sign_in(page, "chef")
    page.goto(f"/import/{job.pk}/")
    bar = page.get_by_role("progressbar", name="Avancement de l'import")
    job_progress(job_id=job.pk, done=40, total=200, message="Lecture des élèves")
    expect(bar).to_have_attribute("aria-valuenow", "20")
    job_fail(job_id=job.pk, message="Le fichier n'a pas pu être lu jusqu'au bout.")
    alert = page.get_by_role("alert").filter(has_text="L'import n'a pas abouti")
    expect(alert).to_contain_text("Le fichier n'a pas pu être lu jusqu'au bout.")
    expect(bar).to_have_count(0)
    assert axe_violations(page) == []


def test_a_preview_in_red_needs_the_box_ticked_and_is_accessible(page, head, school, settings, tmp_path):
    import datetime

    from django.utils import timezone

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
    save_screenshot(page, "import-preview-red")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer cet import").click()
    expect(page.get_by_text("Cochez la case de confirmation")).to_be_visible()
    assert not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()
    expect(page.get_by_label("J'ai compris", exact=False)).not_to_be_checked()
    assert axe_violations(page) == []
    assert kept.exists()

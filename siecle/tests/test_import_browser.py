"""In chromium: the progress bar follows a job whose progress the test drives, then the page shows
the report (or the failure); every state accessible."""

import pytest
from playwright.sync_api import expect

from conftest import axe_violations, browser_sign_in
from jobs import services as jobs_services
from jobs.services import job_claim, job_create, job_fail, job_finish, job_progress
from siecle.importer import ImportReport
from siecle.services import IMPORT_JOB_KIND

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

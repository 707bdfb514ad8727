"""In chromium: the progress bar follows the job, then the page shows the report; both accessible."""

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

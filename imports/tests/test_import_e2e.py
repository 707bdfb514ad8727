"""End to end: the page, a real Celery worker, the rows in the SIECLE base."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job, JobState
from siecle.models import GuardianLink, Student
from siecle.tests.exports import (
    AddressRow,
    LinkRow,
    PersonRow,
    StudentRow,
    write_guardians_export,
    write_students_export,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_for(job_id, timeout=60) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail("the import job did not finish in time")


def test_an_uploaded_export_is_imported_by_the_worker(celery_worker, head_client, school):
    students = io.BytesIO()
    write_students_export(
        students,
        uaj=school.uaj,
        year=2026,
        students=[StudentRow(str(i), f"ELEVE{i}", "Prénom", mef="10310019110", division="3A") for i in range(50)],
    )
    response = head_client.post("/import/", {"export": SimpleUploadedFile("eleves.xml", students.getvalue())})
    assert response.status_code == 302
    preview = wait_for(Job.objects.get().pk)
    assert preview.state == JobState.DONE, preview.message
    assert not Student.objects.exists()  # previewed only
    response = head_client.post(f"/import/{preview.pk}/appliquer/")
    assert response.status_code == 302
    job = wait_for(Job.objects.get(kind="siecle_import").pk)
    assert job.state == JobState.DONE, job.message
    assert Student.objects.filter(school=school, division__code="3A").count() == 50
    status = head_client.get(f"/taches/{job.pk}/etat/").json()
    assert (status["state"], status["percent"], status["finished"]) == ("done", 100, True)

    guardians = io.BytesIO()
    write_guardians_export(
        guardians,
        uaj=school.uaj,
        year=2026,
        persons=[PersonRow("p1", "PARENT", "Un", address_id="a1")],
        links=[LinkRow("0", "p1", level=1)],
        addresses=[AddressRow("a1", "1 RUE HAUTE", postcode="78000", city="VERSAILLES")],
    )
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("ResponsablesAvecAdresses.xml", guardians.getvalue())
    response = head_client.post("/import/", {"export": SimpleUploadedFile("ExportXML.zip", zipped.getvalue())})
    preview = wait_for(Job.objects.filter(params__name="ExportXML.zip").get().pk)
    assert preview.state == JobState.DONE, preview.message
    # One student of 50 has guardians in this file: partial, applied only with the red box ticked.
    page = head_client.get(response["Location"]).content.decode()
    assert "il semble partiel" in page
    assert head_client.post(f"/import/{preview.pk}/appliquer/").status_code == 400
    assert not GuardianLink.objects.exists()
    response = head_client.post(f"/import/{preview.pk}/appliquer/", {"confirm_risks": "on"})
    job = wait_for(Job.objects.filter(params__name="ExportXML.zip", kind="siecle_import").get().pk)
    assert job.state == JobState.DONE, job.message
    link = GuardianLink.objects.get()
    assert (link.student.siecle_id, link.legal_rank, link.guardian.city) == ("0", 1, "VERSAILLES")
    page = head_client.get(response["Location"]).content.decode()
    assert "Import terminé pour" in page

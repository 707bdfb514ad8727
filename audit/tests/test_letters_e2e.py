"""End to end: a real worker renders the students' letters (WeasyPrint), the head downloads the
PDF, and the journal holds exactly one row with the number of letters in it."""

from __future__ import annotations

import io
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from audit.models import ReadEvent, ReadKind
from audit.tests.conftest import signed_in
from codes.selectors import Selection
from codes.tests.factories import make_pair
from jobs.models import Job, JobState
from notifications.batches import JOB_KIND, letters_pdf_path
from notifications.services import notify_students
from services.services import service_open, teleservices_activate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])]
STUDENTS = 5


def finished_letters_job(timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.filter(kind=JOB_KIND).first()
        if job is not None and job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail("the letters job did not finish in time")


def test_the_downloaded_letters_are_in_the_journal_with_their_count(celery_worker, head, school):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    for i in range(STUDENTS):
        make_pair(school, last_name=f"ELEVE{i:02d}")
    notify_students(school=school, selection=Selection(), by=head)
    job = finished_letters_job()
    assert job.state == JobState.DONE, job.message
    assert job.result["letters"] == STUDENTS

    response = signed_in(head, school).get(reverse("notifications:letters_pdf", args=[job.pk]))
    assert response.status_code == 200
    event = ReadEvent.objects.get()
    assert (event.kind, event.what, event.object_id) == (ReadKind.LETTERS, "courriers", str(job.pk))
    assert (event.user, event.school, event.rows) == (head, school, STUDENTS)
    pdf = b"".join(response.streaming_content)
    response.close()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert all(f"ELEVE{i:02d}" in text for i in range(STUDENTS))
    assert ReadEvent.objects.count() == 1
    letters_pdf_path(job).unlink()

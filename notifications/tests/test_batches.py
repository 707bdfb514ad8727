"""Mass letters end to end: a real Celery worker on Redis renders chunks and joins them."""

from __future__ import annotations

import time

import pytest
from django.utils import formats, timezone

from codes.models import ActivationCode, CodeKind, NotificationMode
from codes.values import display
from jobs.models import Job, JobState
from notifications import batches
from notifications.batches import letters_job_start
from notifications.content import codes_usable_from

from .helpers import guardian_with_children, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def wait_for(job_id, timeout=120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    pytest.fail("the letters job did not finish in time")


@pytest.fixture
def letters_dir(tmp_path, monkeypatch, settings):
    """One private folder for the worker and the test (the worker reads it from its environment)."""
    folder = tmp_path / "notifications"
    monkeypatch.setenv("NOTIFICATIONS_DIR", str(folder))
    settings.NOTIFICATIONS_DIR = folder
    return folder


@pytest.fixture
def worker(letters_dir, celery_worker):
    return celery_worker


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 4)


def test_a_batch_in_chunks_gives_one_pdf_with_every_child(worker, small_chunks, school, head, letters_dir):
    family, family_links = guardian_with_children(school, last_name="DUPONT", children=2, division="5B")
    links = list(family_links)
    for n in range(9):
        links += guardian_with_children(school, last_name=f"FAMILLE{n:02d}")[1]
    _, homeless = guardian_with_children(school, last_name="SANSADRESSE", address_line1="", city="", postcode="")
    links += homeless

    job = letters_job_start(school=school, kind="car", ids=[link.pk for link in links], by=head)
    assert job.total == 4  # 10 letters, at most 4 per chunk, an even count of chunks: 3 + 3 + 2 + 2
    job = wait_for(job.pk)

    assert job.state == JobState.DONE, job.message
    assert job.result == {"pdf": f"{job.pk}.pdf", "letters": 10, "codes": 11, "skipped_no_address": 1}
    text = pdf_text((letters_dir / job.result["pdf"]).read_bytes())
    printed = [link for link in links if link not in homeless]
    for link in printed:
        code = ActivationCode.objects.get(link=link, is_valid=True)
        assert display(code.value) in text
        assert f"{link.student.last_name} {link.student.first_name}" in text
        assert code.notification_mode == NotificationMode.LETTER
        assert code.notified_at == timezone.localdate()
    start = codes_usable_from(created_at=ActivationCode.objects.latest("created_at").created_at)
    assert formats.date_format(start, "j F Y") in text
    assert "5B" in text and "3A" in text
    # One letter for the guardian of two children: his name is printed in one address block and
    # its two refusal slips, and the PDF holds one object line per letter.
    assert text.count(f"Madame {family.first_name} DUPONT") == 3
    assert text.count("Objet :") == 10
    assert "SANSADRESSE" not in text
    unprinted = ActivationCode.objects.get(link=homeless[0], kind=CodeKind.CAR)
    assert unprinted.notified_at is None
    assert not list(letters_dir.glob("parts-*"))


def test_students_letters_are_one_per_student(worker, school, head, letters_dir):
    _, links = guardian_with_children(school, last_name="MARTIN", children=2)
    students = [link.student for link in links]
    job = wait_for(letters_job_start(school=school, kind="cae", ids=[s.pk for s in students], by=head).pk)
    assert job.state == JobState.DONE, job.message
    assert (job.result["letters"], job.result["codes"]) == (2, 2)
    text = pdf_text((letters_dir / job.result["pdf"]).read_bytes())
    for student in students:
        code = ActivationCode.objects.get(student=student, kind=CodeKind.CAE, is_valid=True)
        assert display(code.value) in text
        assert code.notification_mode == NotificationMode.LETTER


@pytest.fixture
def blocked_dir(tmp_path, monkeypatch, settings):
    """The worker's letters folder is a plain file: it cannot write any part."""
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    monkeypatch.setenv("NOTIFICATIONS_DIR", str(blocked))
    settings.NOTIFICATIONS_DIR = tmp_path / "test-side"


@pytest.fixture
def failing_worker(blocked_dir, celery_worker):
    return celery_worker


def test_a_failed_rendering_fails_the_job_and_records_nothing(failing_worker, school, head):
    _, links = guardian_with_children(school, last_name="DURAND")
    job = wait_for(letters_job_start(school=school, kind="car", ids=[links[0].pk], by=head).pk)
    assert job.state == JobState.FAILED
    assert "aucune notification" in job.message
    assert ActivationCode.objects.get(link=links[0]).notified_at is None


def test_nothing_to_print_finishes_at_once_without_a_pdf(letters_dir, school, head):
    _, links = guardian_with_children(school, last_name="SANSADRESSE", address_line1="", city="", postcode="")
    job = letters_job_start(school=school, kind="car", ids=[links[0].pk], by=head)
    assert job.state == JobState.DONE
    assert job.result == {"pdf": "", "letters": 0, "codes": 0, "skipped_no_address": 1}

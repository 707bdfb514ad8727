"""The steps of a letters job, run in this process: nothing is recorded before the PDF exists."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from codes.models import ActivationCode, NotificationMode
from jobs.models import JobState, stale_after
from jobs.services import STALE_MESSAGE, job_create, jobs_fail_stale
from notifications import batches

from .helpers import guardian_with_children, pdf_text


@pytest.fixture
def letters_dir(tmp_path, settings):
    settings.NOTIFICATIONS_DIR = tmp_path
    return tmp_path


@pytest.fixture
def job_and_chunks(school, head, monkeypatch, letters_dir):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 2)
    ids = []
    for name in ("ALPHA", "BRAVO", "CHARLIE", "DELTA"):
        ids += [link.pk for link in guardian_with_children(school, last_name=name)[1]]
    chunks, letters, _ = batches._guardian_chunks(school=school, ids=ids)
    job = job_create(school=school, kind=batches.JOB_KIND, created_by=head, total=len(chunks), params={})
    return job, chunks


def test_codes_are_recorded_only_once_the_joined_pdf_is_written(job_and_chunks, letters_dir):
    job, chunks = job_and_chunks
    parts = [
        batches.letters_chunk_render(job_id=str(job.pk), kind="car", index=i, ids=ids) for i, ids in enumerate(chunks)
    ]
    assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
    assert not (letters_dir / f"{job.pk}.pdf").exists()

    result = batches.letters_join(job_id=str(job.pk), parts=parts)

    assert result["letters"] == 4
    text = pdf_text((letters_dir / result["pdf"]).read_bytes())
    assert [name for name in ("ALPHA", "BRAVO", "CHARLIE", "DELTA") if name in text] == [
        "ALPHA",
        "BRAVO",
        "CHARLIE",
        "DELTA",
    ]
    assert ActivationCode.objects.filter(notification_mode=NotificationMode.LETTER).count() == 4
    job.refresh_from_db()
    assert job.state == JobState.DONE


def test_a_failed_join_records_nothing_and_leaves_no_file(job_and_chunks, letters_dir):
    job, chunks = job_and_chunks
    parts = [
        batches.letters_chunk_render(job_id=str(job.pk), kind="car", index=i, ids=ids) for i, ids in enumerate(chunks)
    ]
    next(letters_dir.glob("parts-*/00001.pdf")).write_bytes(b"not a pdf")

    with pytest.raises(Exception):  # noqa: B017, PT011 — whatever pypdf raises, the job fails
        batches.letters_join(job_id=str(job.pk), parts=parts)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "aucune notification" in job.message
    assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
    assert list(letters_dir.iterdir()) == []


def test_a_job_the_sweep_failed_while_a_chunk_was_lost_records_nothing_and_keeps_no_part(job_and_chunks, letters_dir):
    job, chunks = job_and_chunks
    first = batches.letters_chunk_render(job_id=str(job.pk), kind="car", index=0, ids=chunks[0])
    # The second chunk's worker died; the sweep fails the job before the broker gives it back.
    assert jobs_fail_stale(now=timezone.now() + stale_after() + datetime.timedelta(minutes=1))["failed"] == 1
    late = batches.letters_chunk_render(job_id=str(job.pk), kind="car", index=1, ids=chunks[1])
    assert late["skipped"]

    batches.letters_join(job_id=str(job.pk), parts=[first, late])

    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, STALE_MESSAGE)
    assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
    assert not list(letters_dir.iterdir())  # neither a PDF nor a part file


def test_a_job_the_sweep_fails_while_its_join_runs_records_nothing(job_and_chunks, letters_dir, monkeypatch):
    """The sweep fails a late job (its chunk came back after the broker's visibility timeout) while
    the join merges the parts: the head is told nothing was recorded and starts the letters again,
    so the join must not then record the codes nor finish the job."""
    job, chunks = job_and_chunks
    parts = [
        batches.letters_chunk_render(job_id=str(job.pk), kind="car", index=i, ids=ids) for i, ids in enumerate(chunks)
    ]

    class SweptMeanwhile(batches.PdfWriter):
        def __init__(self, *args, **kwargs):
            jobs_fail_stale(now=timezone.now() + stale_after() + datetime.timedelta(minutes=1))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(batches, "PdfWriter", SweptMeanwhile)
    batches.letters_join(job_id=str(job.pk), parts=parts)

    job.refresh_from_db()
    assert (job.state, job.message) == (JobState.FAILED, STALE_MESSAGE)
    assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
    assert not list(letters_dir.iterdir())  # neither a PDF nor a part file

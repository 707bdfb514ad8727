"""Download of a letters PDF: the school's staff only, never cached; old PDFs are purged."""

from __future__ import annotations

import datetime
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_claim, job_create, job_finish
from notifications.batches import JOB_KIND, letters_pdfs_purge


@pytest.fixture
def letters_dir(tmp_path, settings):
    settings.NOTIFICATIONS_DIR = tmp_path
    return tmp_path


@pytest.fixture
def done_job(school, head, letters_dir):
    job = job_create(school=school, kind=JOB_KIND, created_by=head, total=1)
    (letters_dir / f"{job.pk}.pdf").write_bytes(b"%PDF-1.7 letters")
    job_claim(job_id=job.pk)
    job_finish(job_id=job.pk, result={"pdf": f"{job.pk}.pdf", "letters": 1, "codes": 1, "skipped_no_address": 0})
    return job


def test_it_downloads_the_pdf_without_caching(head_client, done_job):
    response = head_client.get(reverse("notifications:letters_pdf", args=[done_job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 letters"


def test_the_file_is_named_with_the_time_the_head_saw_not_utc(head_client, done_job):
    # 06:19 UTC on a winter day is 07:19 in Paris: the run page said "lancée le … à 07:19".
    Job.objects.filter(pk=done_job.pk).update(created_at=datetime.datetime(2026, 11, 30, 6, 19, tzinfo=datetime.UTC))
    response = head_client.get(reverse("notifications:letters_pdf", args=[done_job.pk]))
    assert 'filename="courriers-20261130-0719.pdf"' in response["Content-Disposition"]


def test_another_schools_head_gets_404(other_client, done_job):
    assert other_client.get(reverse("notifications:letters_pdf", args=[done_job.pk])).status_code == 404


def test_an_unfinished_job_or_a_purged_file_gives_404(head_client, school, head, done_job, letters_dir):
    running = job_create(school=school, kind=JOB_KIND, created_by=head, total=1)
    assert head_client.get(reverse("notifications:letters_pdf", args=[running.pk])).status_code == 404
    (letters_dir / f"{done_job.pk}.pdf").unlink()
    assert head_client.get(reverse("notifications:letters_pdf", args=[done_job.pk])).status_code == 404


def test_a_job_of_another_kind_is_not_served(head_client, school, head, letters_dir):
    job = job_create(school=school, kind="import", created_by=head, total=1)
    (letters_dir / f"{job.pk}.pdf").write_bytes(b"%PDF")
    job_claim(job_id=job.pk)
    job_finish(job_id=job.pk, result={"pdf": f"{job.pk}.pdf"})
    assert head_client.get(reverse("notifications:letters_pdf", args=[job.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, done_job):
    response = client.get(reverse("notifications:letters_pdf", args=[done_job.pk]))
    assert response.status_code == 302


def test_pdfs_older_than_the_retention_are_deleted(letters_dir, settings):
    settings.NOTIFICATIONS_RETENTION_DAYS = 30
    old, recent = letters_dir / "old.pdf", letters_dir / "recent.pdf"
    old.write_bytes(b"%PDF")
    recent.write_bytes(b"%PDF")
    long_ago = (timezone.now() - datetime.timedelta(days=31)).timestamp()
    os.utime(old, (long_ago, long_ago))

    assert letters_pdfs_purge() == 1
    assert not old.exists() and recent.exists()


def test_the_purge_is_scheduled_on_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.tasks.letters_pdfs_purge" in tasks

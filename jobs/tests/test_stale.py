"""Jobs that no worker ran (broker down) or finished (worker killed): the beat task fails them and
removes their leftover upload files; running it twice changes nothing more; live jobs are left alone."""

import datetime
import os

import pytest
from django.conf import settings
from django.utils import timezone

from jobs import services as jobs_services
from jobs.models import Job, JobState
from jobs.services import STALE_MESSAGE, job_claim, job_create, job_files_folder_register, job_finish
from jobs.tasks import jobs_fail_stale

pytestmark = pytest.mark.django_db

OLD = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 600)


IMPORT_JOB_KIND = "test_upload"  # any kind of job that owns a file
FOLDER = "test-uploads"


@pytest.fixture(autouse=True)
def media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(jobs_services, "JOB_FILE_FOLDERS", set(jobs_services.JOB_FILE_FOLDERS))
    job_files_folder_register(FOLDER)
    return settings.MEDIA_ROOT


def upload(name: str, *, age: datetime.timedelta = datetime.timedelta(0)):
    folder = settings.MEDIA_ROOT / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"<BEE_ELEVES/>")
    stamp = (timezone.now() - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def import_job(school, path, *, age: datetime.timedelta, claimed: bool = False) -> Job:
    job = job_create(school=school, kind=IMPORT_JOB_KIND, params={"file": f"{FOLDER}/{path.name}", "name": "e.xml"})
    if claimed:
        job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - age, started_at=(timezone.now() - age) if claimed else None
    )
    return job


def test_a_job_the_broker_never_delivered_is_failed_and_its_upload_removed(school):
    path = upload("a.upload", age=OLD)
    job = import_job(school, path, age=OLD)

    assert jobs_fail_stale() == {"failed": 1, "files_removed": 1}

    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.finished_at
    assert job.message == STALE_MESSAGE
    assert not path.exists()


def test_a_job_whose_worker_was_killed_is_failed_too(school):
    path = upload("b.upload", age=OLD)
    job = import_job(school, path, age=OLD, claimed=True)
    jobs_fail_stale()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert not path.exists()


def test_running_it_twice_changes_nothing_more(school):
    path = upload("c.upload", age=OLD)
    job = import_job(school, path, age=OLD)
    jobs_fail_stale()
    job.refresh_from_db()
    finished_at = job.finished_at

    assert jobs_fail_stale() == {"failed": 0, "files_removed": 0}
    job.refresh_from_db()
    assert job.finished_at == finished_at and job.state == JobState.FAILED


def test_young_jobs_and_their_files_are_left_alone(school):
    waiting = upload("d.upload", age=OLD)  # an old file, but its job is young: still needed
    pending = import_job(school, waiting, age=datetime.timedelta(minutes=5))
    running_file = upload("e.upload")
    running = import_job(school, running_file, age=datetime.timedelta(minutes=10), claimed=True)
    receiving = upload("f.upload")  # an upload being received: no job yet

    assert jobs_fail_stale() == {"failed": 0, "files_removed": 0}

    assert {j.state for j in Job.objects.filter(pk__in=[pending.pk, running.pk])} == {
        JobState.PENDING,
        JobState.RUNNING,
    }
    assert waiting.exists() and running_file.exists() and receiving.exists()


def test_finished_jobs_keep_their_outcome_and_an_orphan_upload_is_removed(school):
    done = job_create(school=school, kind=IMPORT_JOB_KIND, params={"name": "e.xml"})
    job_claim(job_id=done.pk)
    job_finish(job_id=done.pk, result={"ok": 1}, message="Import terminé")
    Job.objects.filter(pk=done.pk).update(created_at=timezone.now() - OLD, started_at=timezone.now() - OLD)
    orphan = upload("g.upload", age=OLD)

    assert jobs_fail_stale() == {"failed": 0, "files_removed": 1}
    done.refresh_from_db()
    assert done.state == JobState.DONE and done.result == {"ok": 1}
    assert not orphan.exists()


def test_a_file_outside_the_job_folders_is_never_touched(school, media):
    outside = media / "elsewhere.xml"
    outside.parent.mkdir(parents=True, exist_ok=True)
    outside.write_bytes(b"x")
    stamp = (timezone.now() - OLD).timestamp()
    os.utime(outside, (stamp, stamp))
    job = job_create(school=school, kind=IMPORT_JOB_KIND, params={"file": "../../etc/passwd"})
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - OLD)

    assert jobs_fail_stale()["failed"] == 1
    assert outside.exists()


def test_the_task_is_in_the_beat_schedule():
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "jobs.tasks.jobs_fail_stale" in entries


def test_a_finished_job_keeps_its_file_until_the_time_it_gave(school):
    kept = upload("k.upload", age=OLD)
    job = import_job(school, kept, age=datetime.timedelta(0), claimed=True)
    until = timezone.now() + datetime.timedelta(hours=24)
    job_finish(job_id=job.pk, result={}, params={"keep_file_until": until.isoformat()})

    assert jobs_fail_stale()["files_removed"] == 0 and kept.exists()
    assert jobs_services.jobs_fail_stale(now=until - datetime.timedelta(minutes=1))["files_removed"] == 0
    assert jobs_services.jobs_fail_stale(now=until + datetime.timedelta(minutes=1))["files_removed"] == 1
    assert not kept.exists()


def test_a_job_cannot_keep_its_file_for_more_than_two_days(school):
    kept = upload("k.upload", age=OLD)
    job = import_job(school, kept, age=datetime.timedelta(0), claimed=True)
    job_finish(job_id=job.pk, result={}, params={"keep_file_until": "2999-01-01T00:00:00+00:00"})
    assert jobs_services.jobs_fail_stale(now=timezone.now() + datetime.timedelta(days=3))["files_removed"] == 1


def test_only_plain_folder_names_can_be_registered():
    for bad in ("", "../etc", "a/b", ".hidden"):
        with pytest.raises(ValueError):
            job_files_folder_register(bad)

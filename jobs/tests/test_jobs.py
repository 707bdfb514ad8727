"""Jobs: claim once, progress visible at once (even inside a transaction), status per school."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from jobs import services
from jobs.models import Job, JobState
from jobs.selectors import job_status
from jobs.services import job_claim, job_create, job_fail, job_finish, job_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(school, head):
    return job_create(school=school, kind="test", created_by=head, total=10)


def test_a_job_is_claimed_only_once(job):
    assert job_claim(job_id=job.pk)
    assert not job_claim(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.RUNNING and job.started_at


def test_progress_inside_a_transaction_is_seen_by_the_status_at_once(job):
    job_claim(job_id=job.pk)
    with transaction.atomic():
        job_progress(job_id=job.pk, done=4, total=10, message="Lecture")
        # Another request reads the row as committed (done=0) plus the live progress.
        status = job_status(job=Job.objects.get(pk=job.pk))
    assert (status["done"], status["percent"], status["message"]) == (4, 40, "Lecture")


@pytest.mark.django_db(transaction=True)
def test_progress_outside_a_transaction_updates_the_row(job):
    job_claim(job_id=job.pk)
    job_progress(job_id=job.pk, done=7, total=10)
    job.refresh_from_db()
    assert (job.done, job.percent) == (7, 70)


def test_progress_is_throttled_but_the_last_step_always_written(job, monkeypatch):
    job_claim(job_id=job.pk)
    writes = []
    monkeypatch.setattr(services.cache, "set", lambda key, value, ttl: writes.append(value["done"]))
    for done in range(1, 11):
        job_progress(job_id=job.pk, done=done, total=10)
    assert writes[0] == 1 and writes[-1] == 10 and len(writes) < 10


def test_finish_and_fail_record_the_outcome(job, school):
    job_claim(job_id=job.pk)
    job_finish(job_id=job.pk, result={"n": 3}, message="fini")
    job.refresh_from_db()
    assert (job.state, job.result, job.percent, job.is_finished) == (JobState.DONE, {"n": 3}, 100, True)
    other = job_create(school=school, kind="test")
    job_fail(job_id=other.pk, message="raison")
    other.refresh_from_db()
    assert (other.state, other.message) == (JobState.FAILED, "raison")


def test_the_status_view_answers_json_for_the_own_school_only(job, head_client, other_client, client):
    url = reverse("jobs:status", args=[job.pk])
    response = head_client.get(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.json() | {"id": None} == {
        "id": None,
        "state": "pending",
        "state_label": "En attente",
        "done": 0,
        "total": 10,
        "percent": 0,
        "message": "",
        "finished": False,
    }
    assert other_client.get(url).status_code == 404
    assert other_client.post(url).status_code == 405  # a read-only status
    assert client.get(url).status_code == 302


def test_a_job_left_running_past_the_time_limit_is_shown_as_interrupted(job, head_client, settings):
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=job.created_at - datetime.timedelta(days=1))
    status = head_client.get(reverse("jobs:status", args=[job.pk])).json()
    assert (status["state_label"], status["finished"]) == ("Interrompue", True)

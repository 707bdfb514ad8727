"""The letters' own queue (docs/deploy.md): real Celery workers on the real Redis broker.

The letters' tasks go to the `letters` queue (settings.CELERY_TASK_ROUTES), everything else to
the default `celery` queue. A worker of the default queue alone leaves a letters job's chunks
waiting and does an import queued after them at once (an import no longer waits behind a
school's letters); a worker of the letters' queue then renders and joins them.
"""

from __future__ import annotations

import io
import subprocess

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from codes.models import ActivationCode
from codes.values import display
from conftest import start_celery_worker
from jobs.models import Job, JobState
from notifications import batches
from notifications.batches import letters_job_start
from siecle.tests.exports import StudentRow, write_students_export

from .helpers import guardian_with_children, pdf_text
from .test_batches import letters_dir, wait_for  # noqa: F401 — the fixture is used by name

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def waiting(queue: str) -> int:
    """Messages waiting in a queue of the broker (kombu keeps a Redis queue as a list of its name)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        return client.llen(queue)
    finally:
        client.close()


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.fixture
def empty_queues(transactional_db, django_db_setup):
    from tsadmin.celery import app

    app.control.purge()  # both queues (settings.CELERY_TASK_QUEUES)
    yield
    app.control.purge()


def test_the_letters_tasks_are_routed_to_their_own_queue():
    from tsadmin.celery import app

    route = app.amqp.router.route
    assert route({}, "notifications.tasks.letters_chunk")["queue"].name == "letters"
    assert route({}, "notifications.tasks.letters_join")["queue"].name == "letters"
    for other in ("imports.tasks.import_siecle_preview_job", "notifications.tasks_mail.outbox_send_task"):
        assert route({}, other)["queue"].name == "celery"


def test_a_default_queue_worker_does_an_import_queued_after_letters_it_leaves_to_their_pool(
    letters_dir,  # noqa: F811
    empty_queues,
    monkeypatch,
    school,
    head,
    head_client,
):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 2)
    links = []
    for n in range(4):
        links += guardian_with_children(school, last_name=f"FAMILLE{n:02d}")[1]
    default_pool = start_celery_worker(queues="celery")
    letters_pool = None
    try:
        letters = letters_job_start(school=school, kind="car", ids=[x.pk for x in links], by=head)
        assert letters.total == 2
        assert waiting("letters") == 2  # the chunks wait for the letters' pool

        export = io.BytesIO()
        write_students_export(
            export,
            uaj=school.uaj,
            year=2026,
            students=[StudentRow(str(i), f"ELEVE{i}", "Prénom", mef="10310019110", division="3A") for i in range(5)],
        )
        response = head_client.post("/import/", {"export": SimpleUploadedFile("eleves.xml", export.getvalue())})
        assert response.status_code == 302
        preview = wait_for(Job.objects.get(kind="siecle_import_preview").pk, timeout=60)
        assert preview.state == JobState.DONE, preview.message

        # Queued first, the letters were not touched by the default queue's worker.
        letters.refresh_from_db()
        assert (letters.state, letters.done) == (JobState.PENDING, 0)
        assert waiting("letters") == 2
        assert not list(letters_dir.glob("*"))

        letters_pool = start_celery_worker(queues="letters")
        letters = wait_for(letters.pk, timeout=120)
    finally:
        for proc in (default_pool, letters_pool):
            if proc is not None:
                stop(proc)
    assert letters.state == JobState.DONE, letters.message
    assert (letters.result["letters"], letters.result["codes"]) == (4, 4)
    text = pdf_text((letters_dir / letters.result["pdf"]).read_bytes())
    for link in links:
        assert display(ActivationCode.objects.get(link=link, is_valid=True).value) in text
    assert waiting("letters") == 0

"""Fault: the Celery worker rendering a letters job is killed with SIGKILL in the middle of a chunk.

A real worker takes a chunk of a letters job and stops in it (the test-only pause hook
`notifications.batches.PAUSE_ENV`): before anything is written, or once its part file is
written but before its result is returned. It is killed there, in two ways:

- the whole worker (solo pool: a lost machine, its main process killed). The chunk was never
  acknowledged (tasks are acknowledged late), so the broker gives it back to its queue once its
  visibility timeout has passed (one hour in production, shortened for the test's new worker);
  a new worker renders it again after the chunks still queued, and the chord joins them;
- only the pool's child process that renders (prefork, as production runs it: what the kernel's
  OOM killer picks). The worker gives the chunk back to the queue at once
  (`reject_on_worker_lost`) and its new child renders it.

What the head sees: the job "En cours" below 100 % while the chunk is lost, then "Terminée" at
100 %; the PDF holds exactly one letter per guardian; every code is recorded notified once
(mode Courrier), none without its letter; the part files are gone.
"""

from __future__ import annotations

import os
import signal

import pytest
import redis
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from codes.models import ActivationCode, CodeEvent, EventKind, NotificationMode
from codes.values import display
from conftest import start_celery_worker
from jobs.models import Job, JobState
from notifications import batches
from notifications.batches import PAUSE_ENV, letters_job_start
from notifications.tests.helpers import pdf_text

from .conftest import families_with_codes, poll, process_env, start_worker, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The new worker's broker visibility timeout: longer than one small chunk takes to render on a
# busy machine (a chunk still running past it would be given to a worker a second time).
VISIBILITY_TIMEOUT = 20
GUARDIANS = 8


@pytest.fixture
def letters_dir(tmp_path, monkeypatch, settings):
    """One private letters folder for the workers (their environment) and the test."""
    folder = tmp_path / "notifications"
    monkeypatch.setenv("NOTIFICATIONS_DIR", str(folder))
    settings.NOTIFICATIONS_DIR = folder
    return folder


@pytest.fixture
def no_unacked_tasks():
    """The broker forgets the tasks that workers killed by earlier tests left unacknowledged: the
    short visibility timeout of this test would hand them to its worker."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("unacked", "unacked_index", "unacked_mutex")
    yield
    client.close()


def _status(client, job) -> dict:
    response = client.get(f"/taches/{job.pk}/etat/")
    assert response.status_code == 200
    return response.json()


def _assert_running_nothing_recorded(job, links, head_client) -> None:
    """What the head sees after the kill: the job still running, short of 100 %, no code notified."""
    job.refresh_from_db()
    assert job.state == JobState.RUNNING  # claimed by the killed process, nobody finished it yet
    status = _status(head_client, job)
    assert (status["state_label"], status["finished"]) == ("En cours", False)
    assert status["percent"] < 100
    assert not ActivationCode.objects.filter(link__in=links, notified_at__isnull=False).exists()


def _assert_done_once(job, links, letters_dir, head_client) -> None:
    """What the head sees once the job ended: done at 100 %, one letter and one notification per guardian."""
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.message
    assert job.result == {"pdf": f"{job.pk}.pdf", "letters": GUARDIANS, "codes": GUARDIANS, "skipped_no_address": 0}
    status = _status(head_client, job)
    assert (status["state"], status["state_label"], status["percent"], status["finished"]) == (
        "done",
        "Terminée",
        100,
        True,
    )

    # Exactly one letter per guardian in the PDF: one "Objet" line each, each code printed as in
    # a single letter, in the guardians' order.
    text = pdf_text((letters_dir / job.result["pdf"]).read_bytes())
    assert text.count("Objet :") == GUARDIANS
    codes = {link.pk: ActivationCode.objects.get(link=link, is_valid=True) for link in links}
    printed = [text.count(display(codes[link.pk].value)) for link in links]
    assert printed == [printed[0]] * GUARDIANS and printed[0] >= 1, printed
    positions = [text.index(display(codes[link.pk].value)) for link in links]
    assert positions == sorted(positions)

    # Every code notified once, by letter, today; none twice, none without its letter.
    for code in codes.values():
        assert (code.notified_at, code.notification_mode) == (timezone.localdate(), NotificationMode.LETTER)
    events = dict(
        CodeEvent.objects.filter(event=EventKind.NOTIFICATION)
        .values_list("code_id")
        .annotate(n=Count("pk"))
        .values_list("code_id", "n")
    )
    assert events == {code.pk: 1 for code in codes.values()}
    assert not list(letters_dir.glob("parts-*"))


@pytest.mark.parametrize("stage", ["chunk_started", "chunk_written"])
def test_a_worker_killed_mid_chunk_leaves_a_job_that_a_new_worker_finishes_once(
    purged_queue, no_unacked_tasks, letters_dir, monkeypatch, tmp_path, school, head, head_client, stage
):
    monkeypatch.setattr(batches, "CHUNK_SIZE", 2)
    links = families_with_codes(school, head, GUARDIANS)
    marker = tmp_path / "paused"
    worker = start_worker(**{PAUSE_ENV: f"{stage}:{marker}"})
    try:
        job = letters_job_start(school=school, kind="car", ids=[x.pk for x in links], by=head)
        assert job.total == GUARDIANS // 2
        poll(marker.exists, timeout=90, what=f"the worker's chunk to reach {stage}")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=15)
    finally:
        stop(worker)
        marker.unlink(missing_ok=True)
    _assert_running_nothing_recorded(job, links, head_client)

    second = start_worker(CELERY_BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT), CELERY_BROKER_RESTORE_INTERVAL="1")
    try:
        poll(lambda: Job.objects.get(pk=job.pk).is_finished, timeout=180, what="the letters job to end")
    finally:
        stop(second)
    _assert_done_once(job, links, letters_dir, head_client)


def test_a_rendering_process_killed_mid_chunk_is_replaced_and_its_chunk_done_again_at_once(
    purged_queue, no_unacked_tasks, letters_dir, monkeypatch, tmp_path, school, head, head_client
):
    """Prefork: the worker sees its child die, requeues the chunk at once (`reject_on_worker_lost`)
    and a new child renders it; no visibility timeout to wait for (the production one is kept)."""
    monkeypatch.setattr(batches, "CHUNK_SIZE", 2)
    links = families_with_codes(school, head, GUARDIANS)
    marker = tmp_path / "paused"
    # Every chunk of every child stops once its part is written, until the test lets it go.
    worker = start_celery_worker(process_env(**{PAUSE_ENV: f"chunk_written:{marker}"}), processes=1)
    paused_in: list[int] = []

    def released() -> bool:
        if marker.exists():
            paused_in.append(int(marker.read_text() or 0))
            marker.unlink(missing_ok=True)
        return Job.objects.get(pk=job.pk).is_finished

    try:
        job = letters_job_start(school=school, kind="car", ids=[x.pk for x in links], by=head)
        poll(marker.exists, timeout=90, what="the worker's chunk to be written")
        child = int(marker.read_text())
        assert child != worker.pid
        os.kill(child, signal.SIGKILL)
        poll(lambda: not os.path.exists(f"/proc/{child}"), timeout=30, what="the child to be gone")
        marker.unlink()
        _assert_running_nothing_recorded(job, links, head_client)
        poll(released, timeout=120, what="the letters job to end")
    finally:
        stop(worker)
        marker.unlink(missing_ok=True)
    assert paused_in and child not in paused_in  # the chunks were rendered by the new child
    _assert_done_once(job, links, letters_dir, head_client)

"""Fault: the Celery worker running the nightly replication task is killed with SIGKILL mid-run.

A real worker runs `replicate_task` and stops at a stage (replication.run's test-only pause
hook), where it is killed. The next run, by a new worker, marks the killed run interrupted in
the log and completes the work: both sides' checksums equal, nothing doubled.
"""

from __future__ import annotations

import signal

import pytest
from django.db import connections

from portal import models as ts
from replication.checksums import checksums_compare
from replication.lock import ADVISORY_KEY
from replication.models import Change, Run
from replication.run import PAUSE_ENV
from replication.tasks import replicate_task
from replication.tests.conftest import academy, replicate  # noqa: F401 — the fixture is used by name
from siecle.models import Student

from .conftest import poll, start_worker, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases="__all__")]


def _lock_free() -> bool:
    """PostgreSQL ends a killed client's session (and its advisory lock) once it sees the socket close."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s", [ADVISORY_KEY & 0xFFFFFFFF]
        )
        return cursor.fetchone()[0] == 0


@pytest.mark.parametrize("stage", ["after_staging", "after_teleservices_commit"])
def test_a_worker_killed_mid_replication_is_completed_by_the_next_run(academy, purged_queue, tmp_path, stage):  # noqa: F811
    replicate(full=True)
    Student.objects.filter(pk=academy.current.pk).update(first_name="Interrompue")
    marker = tmp_path / "paused"
    worker = start_worker(**{PAUSE_ENV: f"{stage}:{marker}"})
    try:
        replicate_task.delay(origin="nuit")
        poll(marker.exists, timeout=60, what=f"the worker's run to reach {stage}")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=15)
    finally:
        stop(worker)
        marker.unlink(missing_ok=True)
    poll(_lock_free, timeout=30, what="the server to free the killed run's lock")
    killed = Run.objects.get(origin="nuit")
    assert killed.status == Run.Status.RUNNING  # nobody could write its end
    assert Change.objects.filter(label="siecle_student", row_id=academy.current.pk).exists()

    second = start_worker()
    try:
        replicate_task.delay(origin="reprise")
        poll(
            lambda: Run.objects.filter(origin="reprise").exclude(status=Run.Status.RUNNING).exists(),
            timeout=90,
            what="the next run to end",
        )
    finally:
        stop(second)
    recovery = Run.objects.get(origin="reprise")
    assert recovery.status == Run.Status.SUCCEEDED, recovery.log
    assert "interrompue" in recovery.log
    killed.refresh_from_db()
    assert killed.status == Run.Status.INTERRUPTED and killed.finished_at
    assert ts.Student.objects.filter(id=academy.current.pk).count() == 1
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "Interrompue"
    assert not Change.objects.exists()
    assert checksums_compare() == {}

"""Faults: the téléservices connection dropped, a process killed, two runs at once, a task delivered twice.

Real components: PostgreSQL, real `manage.py replicate` subprocesses (killed with SIGKILL), a
real Celery worker. After each fault a run completes the work: both sides' checksums equal,
nothing doubled, and the run log says what happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from conftest import _test_database_url
from portal import models as ts
from replication.lock import ADVISORY_KEY, _own_connection
from replication.models import Change, Run
from replication.run import PAUSE_ENV, replication_run
from replication.tasks import replicate_task
from siecle.models import Student

from .conftest import assert_in_step, replicate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"


def _rename_current(academy, name: str) -> None:
    Student.objects.filter(pk=academy.current.pk).update(first_name=name)


def _copied_name(academy) -> str:
    return ts.Student.objects.get(id=academy.current.pk).first_name


def test_the_teleservices_connection_dropped_mid_run_loses_nothing(academy):
    replicate(full=True)
    _rename_current(academy, "Coupée")

    def drop_teleservices(stage: str) -> None:
        if stage != "after_staging":
            return
        pid = connections["teleservices"].connection.info.backend_pid
        killer = _own_connection("teleservices")
        try:
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            killer.close()

    outcome = replication_run(hook=drop_teleservices)
    assert not outcome.ok
    failed = Run.objects.get(pk=outcome.run.pk)
    assert failed.status == Run.Status.FAILED and failed.error
    assert "ÉCHEC" in failed.log and "le journal est conservé" in failed.log
    assert _copied_name(academy) != "Coupée"
    assert Change.objects.filter(label="siecle_student", row_id=academy.current.pk).exists()

    again = replicate()
    assert _copied_name(academy) == "Coupée"
    assert again.counts["down"]["student"]["upserted"] == 1
    assert not Change.objects.exists()
    assert_in_step()


def _start_paused(stage: str, tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """A real `manage.py replicate` on the test databases, stopped at `stage` until the marker goes."""
    marker = tmp_path / f"pause-{uuid.uuid4().hex}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_test_database_url("default"),
        TELESERVICES_DATABASE_URL=_test_database_url("teleservices"),
        TSADMIN_ENV="test",
        **{PAUSE_ENV: f"{stage}:{marker}"},
    )
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, str(MANAGE), "replicate", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"replicate ended before {stage}: {proc.stdout.read()} {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"replicate never reached {stage}")
        time.sleep(0.05)
    return proc, marker


def _wait_until_the_server_freed_the_lock() -> None:
    """PostgreSQL ends a killed client's session (and its advisory lock) as soon as it sees the socket close."""
    deadline = time.monotonic() + 30
    with connections["default"].cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s",
                [ADVISORY_KEY & 0xFFFFFFFF],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed run's lock is still held"
            time.sleep(0.05)


@pytest.mark.e2e
@pytest.mark.parametrize("stage", ["after_claim", "after_staging", "after_teleservices_commit"])
def test_a_run_killed_at_any_point_is_completed_by_the_next(academy, tmp_path, stage):
    replicate(full=True)
    _rename_current(academy, "Tuée")
    proc, marker = _start_paused(stage, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    marker.unlink(missing_ok=True)
    _wait_until_the_server_freed_the_lock()
    killed = Run.objects.latest("started_at")
    assert killed.status == Run.Status.RUNNING  # nobody could write its end
    # The journal is deleted only after the téléservices side committed: it is all still there.
    assert Change.objects.filter(label="siecle_student", row_id=academy.current.pk).exists()
    if stage == "after_teleservices_commit":
        assert _copied_name(academy) == "Tuée"
    else:
        assert _copied_name(academy) != "Tuée"

    again = replicate()
    killed.refresh_from_db()
    assert killed.status == Run.Status.INTERRUPTED and killed.finished_at
    assert "interrompue" in again.log
    assert _copied_name(academy) == "Tuée"
    assert ts.Student.objects.filter(id=academy.current.pk).count() == 1
    assert not Change.objects.exists()
    assert_in_step()
    assert replicate().changed == 0


@pytest.mark.e2e
def test_two_runs_at_once_the_second_is_refused_and_says_so(academy, tmp_path):
    replicate(full=True)
    _rename_current(academy, "Première")
    proc, marker = _start_paused("after_claim", tmp_path)
    try:
        outcome = replication_run()
        assert outcome.busy and not outcome.ok
        assert "déjà en cours" in outcome.lines[-1]
        with pytest.raises(CommandError) as refused:
            call_command("replicate")
        assert refused.value.returncode == 1
        # A change committed while the first run works is left for the next run, never lost.
        _rename_current(academy, "Pendant")
    finally:
        marker.unlink(missing_ok=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Lignes modifiées côté téléservices : 1." in out
    assert _copied_name(academy) == "Première"  # what the first run saw when it claimed
    assert Change.objects.filter(label="siecle_student", row_id=academy.current.pk).count() == 1
    replicate()
    assert _copied_name(academy) == "Pendant"
    assert_in_step()
    assert Run.objects.filter(status=Run.Status.SUCCEEDED).count() == 3


@pytest.mark.e2e
def test_the_nightly_task_delivered_twice_copies_once(academy, celery_worker):
    replicate(full=True)
    _rename_current(academy, "Deux fois")
    task_id = str(uuid.uuid4())
    for _ in range(2):
        replicate_task.apply_async(kwargs={"origin": "test"}, task_id=task_id)
    deadline = time.monotonic() + 60
    while Run.objects.filter(origin="test").exclude(status=Run.Status.RUNNING).count() < 2:
        assert time.monotonic() < deadline, "the worker did not run the task twice"
        time.sleep(0.1)
    first, second = Run.objects.filter(origin="test").order_by("started_at")
    assert first.status == second.status == Run.Status.SUCCEEDED
    assert (first.changed, second.changed) == (1, 0)
    assert _copied_name(academy) == "Deux fois"
    assert ts.Student.objects.filter(id=academy.current.pk).count() == 1
    assert_in_step()

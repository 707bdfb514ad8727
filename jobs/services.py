"""Writes on jobs: create, claim, report progress, finish, fail.

Progress is meant to be called often from inside a long task, including from inside the
task's own transaction (an import runs in one). A row UPDATE made there would stay invisible
until the commit, so progress goes to the cache (Redis in production), where the status view
reads it at once; when the caller is not inside a transaction the row is updated too. Calls
are throttled: at most one write per job every PROGRESS_INTERVAL seconds, plus the last one.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from siecle.models import School

from .models import Job, JobState

PROGRESS_INTERVAL = 0.5
PROGRESS_TTL = 24 * 60 * 60
_last_write: dict[str, float] = {}


def progress_key(job_id: uuid.UUID | str) -> str:
    return f"jobs:progress:{job_id}"


def job_create(
    *,
    school: School,
    kind: str,
    created_by: AbstractBaseUser | None = None,
    params: dict[str, Any] | None = None,
    total: int = 0,
    message: str = "",
) -> Job:
    return Job.objects.create(
        school=school, kind=kind, created_by=created_by, params=params or {}, total=total, message=message
    )


def job_claim(*, job_id: uuid.UUID | str, message: str = "") -> bool:
    """Move a pending job to running; False when another run already took it (safe to run twice)."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.PENDING).update(
        state=JobState.RUNNING, started_at=timezone.now(), updated_at=timezone.now(), message=message[:300]
    )
    return bool(claimed)


def job_progress(*, job_id: uuid.UUID | str, done: int, total: int, message: str = "") -> None:
    key = str(job_id)
    now = time.monotonic()
    if done < total and now - _last_write.get(key, 0.0) < PROGRESS_INTERVAL:
        return
    _last_write[key] = now
    cache.set(progress_key(key), {"done": done, "total": total, "message": message[:300]}, PROGRESS_TTL)
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(
            done=done, total=total, message=message[:300], updated_at=timezone.now()
        )


def job_finish(*, job_id: uuid.UUID | str, result: dict[str, Any], message: str = "") -> None:
    job = Job.objects.get(pk=job_id)
    job.state, job.result, job.message, job.finished_at = JobState.DONE, result, message[:300], timezone.now()
    job.done = job.total
    job.save(update_fields=["state", "result", "message", "finished_at", "done", "updated_at"])
    _forget(job_id)


def job_fail(*, job_id: uuid.UUID | str, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, message=message[:300], finished_at=timezone.now(), updated_at=timezone.now()
    )
    _forget(job_id)


def _forget(job_id: uuid.UUID | str) -> None:
    _last_write.pop(str(job_id), None)
    cache.delete(progress_key(job_id))

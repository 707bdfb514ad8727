"""Writes on jobs: create, claim, report progress, finish, fail, and fail the stale ones.

Progress is meant to be called often from inside a long task, including from inside the
task's own transaction (an import runs in one). A row UPDATE made there would stay invisible
until the commit, so progress goes to the cache (Redis in production), where the status view
reads it at once; when the caller is not inside a transaction the row is updated too. Calls
are throttled: at most one write per job every PROGRESS_INTERVAL seconds, plus the last one.
A cache that does not answer (Redis down) never fails the job: progress then goes to the row
only (when outside a transaction), and the status view reads the row.

A job may own one file, named in `params["file"]` relative to MEDIA_ROOT (an uploaded export
waiting for its import), inside a folder registered with `job_files_folder_register`. Its
task removes it when done, unless the job keeps it for a while once finished
(`params["keep_file_until"]`: an export previewed and awaiting confirmation); when the task
never ran (broker down) or was killed, `jobs_fail_stale` (Celery beat, jobs.tasks) fails the
job, and removes any file of the job folders that no unfinished job needs and no finished
job keeps any more.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from redis.exceptions import RedisError

from siecle.models import School

from .models import Job, JobState, stale_after

logger = logging.getLogger(__name__)
UNFINISHED = (JobState.PENDING, JobState.RUNNING)
# Folders of MEDIA_ROOT that hold job files only (swept by jobs_fail_stale); the apps that
# keep files for their jobs register their folder from their AppConfig.ready().
JOB_FILE_FOLDERS: set[str] = set()
# A job may keep its file after it finished (a file awaiting a confirmation) until the time
# given in `params["keep_file_until"]` (ISO 8601); never longer than this.
JOB_FILE_MAX_KEEP = datetime.timedelta(days=2)
STALE_MESSAGE = (
    "Tâche interrompue : elle ne s'est pas terminée dans le temps imparti (service de tâches indisponible "
    "ou arrêté) ; rien n'a été enregistré, relancez-la."
)

# What a cache that does not answer raises (Redis' client errors; a file cache's disk errors).
CACHE_ERRORS = (RedisError, OSError)
PROGRESS_INTERVAL = 0.5
PROGRESS_TTL = 24 * 60 * 60
_last_write: dict[str, float] = {}


def job_files_folder_register(folder: str) -> None:
    """`folder` (relative to MEDIA_ROOT) holds job files only: files no job needs are swept."""
    if not folder or "/" in folder or folder.startswith("."):
        raise ValueError(f"job files folder must be a plain folder name: {folder!r}")
    JOB_FILE_FOLDERS.add(folder)


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
    try:
        cache.set(progress_key(key), {"done": done, "total": total, "message": message[:300]}, PROGRESS_TTL)
    except CACHE_ERRORS:
        logger.warning("jobs: progress of %s not cached (cache unreachable)", key)
    if not connection.in_atomic_block:
        Job.objects.filter(pk=job_id, state=JobState.RUNNING).update(
            done=done, total=total, message=message[:300], updated_at=timezone.now()
        )


def job_finish(
    *, job_id: uuid.UUID | str, result: dict[str, Any], message: str = "", params: dict[str, Any] | None = None
) -> None:
    """Mark the job done with its result; `params`, when given, are merged into the job's params.

    The row is locked while its params are merged, so a concurrent change of them (a preview
    cancelled while it finishes) is never overwritten.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.state, job.result, job.message, job.finished_at = JobState.DONE, result, message[:300], timezone.now()
        job.done = job.total
        if params:
            job.params = {**(job.params or {}), **params}
        job.save(update_fields=["state", "result", "message", "finished_at", "done", "updated_at", "params"])
    _forget(job_id)


def job_fail(*, job_id: uuid.UUID | str, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        state=JobState.FAILED, message=message[:300], finished_at=timezone.now(), updated_at=timezone.now()
    )
    _forget(job_id)


def _forget(job_id: uuid.UUID | str) -> None:
    _last_write.pop(str(job_id), None)
    try:
        cache.delete(progress_key(job_id))
    except CACHE_ERRORS:
        logger.warning("jobs: progress of %s not removed from the cache (cache unreachable)", job_id)


def _stale_q(now: datetime.datetime) -> Q:
    cutoff = now - stale_after()
    return Q(state__in=UNFINISHED) & (Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff))


def job_file_path(job: Job) -> Path | None:
    """The job's own file, only when it lies inside MEDIA_ROOT."""
    name = (job.params or {}).get("file")
    if not name:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / str(name)).resolve()
    return path if root in path.parents else None


def job_file_kept_until(job: Job) -> datetime.datetime | None:
    """Until when a finished job keeps its file (`params["keep_file_until"]`), capped to JOB_FILE_MAX_KEEP."""
    value = (job.params or {}).get("keep_file_until")
    try:
        until = datetime.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if until is None or until.tzinfo is None:
        return None
    return min(until, job.created_at + JOB_FILE_MAX_KEEP) if job.created_at else until


def job_keeps_file(job: Job, *, now: datetime.datetime | None = None) -> bool:
    until = job_file_kept_until(job)
    return until is not None and until > (now or timezone.now())


def jobs_fail_stale(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Fail every job left unfinished past the time limits and remove the files nobody needs.

    Safe to run twice or at the same time as a worker: each job is failed by a conditional
    UPDATE (a job claimed meanwhile is left alone), and a file is removed only when no
    unfinished job names it and it is older than the limit (an upload being received has no
    job yet). Returns how many jobs were failed and files removed.
    """
    now = now or timezone.now()
    failed = 0
    for job_id in Job.objects.filter(_stale_q(now)).values_list("pk", flat=True).iterator():
        if Job.objects.filter(_stale_q(now), pk=job_id).update(
            state=JobState.FAILED, message=STALE_MESSAGE[:300], finished_at=now, updated_at=now
        ):
            failed += 1
            _forget(job_id)
    holders = Job.objects.filter(params__has_key="file").filter(
        Q(state__in=UNFINISHED) | Q(params__has_key="keep_file_until", created_at__gte=now - JOB_FILE_MAX_KEEP)
    )
    needed = {
        path
        for job in holders.only("params", "state", "created_at")
        if (job.state in UNFINISHED or job_keeps_file(job, now=now)) and (path := job_file_path(job))
    }
    removed = 0
    cutoff = (now - stale_after()).timestamp()
    root = Path(settings.MEDIA_ROOT).resolve()
    for folder in sorted(JOB_FILE_FOLDERS):
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            try:
                if not path.is_file() or path.is_symlink() or path.resolve() in needed:
                    continue
                if path.stat().st_mtime >= cutoff:
                    continue
                path.unlink(missing_ok=True)
            except OSError:
                logger.warning("jobs: could not remove leftover file %s", path, exc_info=True)
                continue
            removed += 1
    if failed or removed:
        logger.info("jobs: %d stale job(s) failed, %d leftover file(s) removed", failed, removed)
    return {"failed": failed, "files_removed": removed}

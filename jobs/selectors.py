"""Reads on jobs: a job's live state for the progress bar, recent jobs of a school."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from siecle.models import School

from .models import Job, JobState
from .services import CACHE_ERRORS, progress_key


def job_status(*, job: Job) -> dict[str, Any]:
    """State and progress, with the latest progress from the cache while the job runs (the row's when
    the cache does not answer)."""
    done, total, message = job.done, job.total, job.message
    if job.state == JobState.RUNNING:
        try:
            live = cache.get(progress_key(job.pk))
        except CACHE_ERRORS:  # the cache is down: the row's progress is still right, if older
            live = None
        if live and live["done"] >= done:
            done, total, message = live["done"], live["total"], live["message"] or message
    percent = 100 if job.state == JobState.DONE else (min(100, int(done * 100 / total)) if total else 0)
    return {
        "id": str(job.pk),
        "state": job.state,
        "state_label": "Interrompue" if job.is_stale else job.get_state_display(),
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
        "finished": job.is_finished or job.is_stale,
    }


def jobs_recent(*, school: School, kind: str, limit: int = 10) -> QuerySet[Job]:
    return Job.objects.filter(school=school, kind=kind).select_related("created_by")[:limit]

"""Periodic upkeep of jobs (Celery beat: tsadmin.settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import jobs_fail_stale as jobs_fail_stale_service


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def jobs_fail_stale() -> dict[str, int]:
    """Jobs that no worker ran or finished in time are failed, their leftover files removed."""
    return jobs_fail_stale_service()

"""Retention of the security log (Celery beat: tsadmin.settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .security.retention import sign_in_events_purge as sign_in_events_purge_service


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def sign_in_events_purge() -> int:
    """Delete the sign-in events older than SIGN_IN_EVENT_RETENTION_DAYS (in batches); returns how many."""
    return sign_in_events_purge_service()

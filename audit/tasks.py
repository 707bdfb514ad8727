"""Retention of the journal of reads (Celery beat: tsadmin.settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from .services import audit_reads_purge


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def read_events_purge() -> int:
    """Delete the reads older than AUDIT_RETENTION_DAYS (in batches); returns how many."""
    return audit_reads_purge()

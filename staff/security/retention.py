"""Retention of the security log (`SignInEvent`): old rows are deleted in batches.

The purge never deletes a row the throttle still counts: whatever SIGN_IN_EVENT_RETENTION_DAYS
says, rows younger than the throttle's longest window stay, or a shortened retention would
forgive an attacker's failures.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from staff.models import SignInEvent
from tsadmin.bulk import delete_in_batches

from . import clock

PURGE_BATCH_SIZE = 5000


def sign_in_events_cutoff(*, now: datetime.datetime | None = None) -> datetime.datetime:
    """Rows older than this are past the retention."""
    now = now or clock.now()
    retention = datetime.timedelta(days=settings.SIGN_IN_EVENT_RETENTION_DAYS)
    window = datetime.timedelta(
        seconds=max(settings.STAFF_THROTTLE_USERNAME_WINDOW_SECONDS, settings.STAFF_THROTTLE_IP_WINDOW_SECONDS)
    )
    return now - max(retention, window)


def sign_in_events_purge(*, now: datetime.datetime | None = None, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete the security log's rows past the retention, in batches. Returns how many."""
    old = SignInEvent.objects.filter(created_at__lt=sign_in_events_cutoff(now=now))
    return delete_in_batches(old, batch_size=batch_size)

"""Celery tasks of the codes: no arguments at all (a task never carries a code value, nor ids here)."""

from __future__ import annotations

from celery import shared_task

from .expiry import codes_expire_unused


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def codes_expire_unused_task() -> int:
    """Beat, nightly: invalidate the codes never used past their expiry (codes/expiry.py)."""
    return codes_expire_unused()

"""Celery tasks of the e-mail outbox: they carry outbox row ids, never a code value."""

from __future__ import annotations

from celery import shared_task

from .emails import outbox_send, outbox_sweep


@shared_task(acks_late=True, task_reject_on_worker_lost=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def outbox_send_task(message_ids: list[int]) -> dict[str, int]:
    """Send these outbox messages (a few per task); a message another run claimed is skipped."""
    return outbox_send(message_ids=message_ids)


@shared_task(acks_late=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def outbox_sweep_task() -> int:
    """Celery beat: queue again the due retries and what a dead worker left behind."""
    return outbox_sweep()

"""The nightly replication as a Celery task (beat: `replication-nightly`, settings.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from .run import replication_run

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def replicate_task(*, full: bool = False, uajs: list[str] | None = None, origin: str = "tâche") -> dict:
    """Run the replication once. Safe twice: a second delivery waits for nothing, it finds the lock
    taken (and says so) or the journal empty (and changes nothing)."""
    outcome = replication_run(full=full, uajs=uajs or (), origin=origin)
    if outcome.busy:
        logger.warning("Replication skipped: another run holds the lock.")
        return {"busy": True}
    run = outcome.run
    return {"busy": False, "run": run.pk, "status": run.status, "changed": run.changed}

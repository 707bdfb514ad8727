"""Celery tasks of the letters (PAPER): ids in, a service call, nothing else.

The e-mail tasks live in `notifications.tasks_mail`.
"""

from __future__ import annotations

from celery import chord, shared_task

from . import batches

# A chunk of CHUNK_SIZE letters renders in well under a minute on these machines.
CHUNK_TIME_LIMIT = 15 * 60
JOIN_TIME_LIMIT = 15 * 60
# Both are safe to run twice (a chunk rewrites its part file, a join of a finished job returns).
# Acknowledged late, and given back to the queue when the pool's process running them dies (the
# kernel's OOM killer picks the renderer): another process redoes them at once. Without it the
# chunk was recorded as failed, the chord never called the join, and the job stayed "En cours"
# until the stale-job sweep failed it an hour later (tests/faults/test_letters_worker.py).
# Should a chunk kill its process each time, the sweep fails the job and its chunks then return.
_TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(time_limit=CHUNK_TIME_LIMIT, soft_time_limit=CHUNK_TIME_LIMIT - 60, **_TASK_OPTIONS)
def letters_chunk(job_id: str, kind: str, index: int, ids: list[int]) -> dict:
    return batches.letters_chunk_render(job_id=job_id, kind=kind, index=index, ids=ids)


@shared_task(time_limit=JOIN_TIME_LIMIT, soft_time_limit=JOIN_TIME_LIMIT - 60, **_TASK_OPTIONS)
def letters_join(parts: list[dict], job_id: str) -> dict:
    return batches.letters_join(job_id=job_id, parts=parts)


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def letters_pdfs_purge() -> int:
    """Beat: delete the letters PDFs older than NOTIFICATIONS_RETENTION_DAYS."""
    return batches.letters_pdfs_purge()


def letters_queue(*, job_id: str, kind: str, chunks: list[list[int]]) -> None:
    """Queue the chunks in parallel and their join as the chord's callback."""
    header = [letters_chunk.s(job_id, kind, index, ids) for index, ids in enumerate(chunks)]
    chord(header)(letters_join.s(job_id))

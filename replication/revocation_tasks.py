"""The Celery task of the targeted revocations: ids in, `revocations_apply` out, safe twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .revocations import revocations_apply


@shared_task(
    name="replication.revocations_apply",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    time_limit=300,
    soft_time_limit=240,
)
def revocations_apply_task(
    *,
    code_ids: list[int] | None = None,
    refused_link_ids: list[int] | None = None,
    refused_student_ids: list[int] | None = None,
    left_student_ids: list[int] | None = None,
) -> dict[str, int]:
    return revocations_apply(
        code_ids=code_ids or (),
        refused_link_ids=refused_link_ids or (),
        refused_student_ids=refused_student_ids or (),
        left_student_ids=left_student_ids or (),
    )

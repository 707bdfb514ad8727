"""The replication listens to the SIECLE side's revocations and queues the targeted task.

Connected in `ReplicationConfig.ready`. `codes_revoked` arrives after commit already; the
students who left are announced inside the import's transaction, so their task is queued on
commit (an import's dry run, rolled back, queues nothing). Ids only go to the broker, in
chunks, never a code value. A broker that cannot be reached is logged: the nightly run
removes the same access anyway.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import receiver

from codes.signals import codes_revoked
from siecle.signals import students_left

from .revocation_tasks import revocations_apply_task
from .revocations import chunks

logger = logging.getLogger(__name__)


def _enqueue(**ids: list[int]) -> None:
    for name, values in ids.items():
        for chunk in chunks(list(values)):
            if not chunk:
                continue
            try:
                revocations_apply_task.delay(**{name: chunk})
            except Exception:  # noqa: BLE001 — the broker down must not fail a committed change
                logger.exception("Could not queue the revocation of %s %s", len(chunk), name)


@receiver(codes_revoked, dispatch_uid="replication_codes_revoked")
def revoke_on_the_families_side(sender, *, code_ids=(), refused_link_ids=(), refused_student_ids=(), **kwargs) -> None:
    _enqueue(code_ids=code_ids, refused_link_ids=refused_link_ids, refused_student_ids=refused_student_ids)


@receiver(students_left, dispatch_uid="replication_students_left")
def revoke_students_who_left(sender, *, school, student_ids, **kwargs) -> None:
    ids = list(student_ids)
    transaction.on_commit(lambda: _enqueue(left_student_ids=ids))

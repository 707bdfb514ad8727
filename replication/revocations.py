"""Revocations reach the téléservices database at once, not with the night's run.

"Invalider code", "Nouveau code" (the old code), "Enlever l'accès", a returned refusal slip,
an import that takes a guardian's legal rank away or marks students as left: the SIECLE side
announces it after commit (`codes.signals.codes_revoked`, `siecle.signals.students_left`);
`replication.receivers` queues `revocations_apply_task` with the ids (never a code value),
and this service removes the access from the families' side:

- the `code` rows of the revoked codes, of the refused pairs, of the refused students' CAE
  and of the students who left are deleted (the portal finds them no more);
- the refused pairs' `link` rows are deleted; a refused student gets `access_refused`;
- every families' session of an account holding an attachment to one of those codes ends
  (its `familysession` rows are deleted): the family signs in again and sees what is left.

Idempotent (deleting what is not there deletes nothing) and safe when the rows were never
replicated (a code created and invalidated the same day). The attachments stay: they are the
account's history, shown on the admin side (C6). The new code of "Nouveau code" is not
touched here: it arrives with the next nightly run (J+1).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from portal.models import Attachment, Code, FamilySession, Link, Student

DB = "teleservices"
CHUNK = 5000


def _ids(values: Iterable[int] | None) -> list[int]:
    return sorted({int(v) for v in values or ()})


def revocations_apply(
    *,
    code_ids: Iterable[int] = (),
    refused_link_ids: Iterable[int] = (),
    refused_student_ids: Iterable[int] = (),
    left_student_ids: Iterable[int] = (),
) -> dict[str, int]:
    """Remove these accesses from the téléservices database; counts of what changed."""
    code_ids, links, refused, left = (
        _ids(code_ids),
        _ids(refused_link_ids),
        _ids(refused_student_ids),
        _ids(left_student_ids),
    )
    report = {"codes": 0, "links": 0, "students_refused": 0, "sessions": 0}
    if not (code_ids or links or refused or left):
        return report
    with transaction.atomic(using=DB):
        targets = Q(pk__in=code_ids) | Q(link_id__in=links) | Q(student_id__in=left)
        targets |= Q(kind=Code.Kind.CAE, student_id__in=refused)
        gone = list(Code.objects.using(DB).filter(targets).values_list("pk", flat=True))
        report["codes"] = Code.objects.using(DB).filter(pk__in=gone).delete()[0]
        report["links"] = Link.objects.using(DB).filter(pk__in=links).delete()[0]
        report["students_refused"] = (
            Student.objects.using(DB).filter(pk__in=refused, access_refused=False).update(access_refused=True)
        )
        revoked = sorted(set(code_ids) | set(gone))
        accounts = Attachment.objects.using(DB).filter(code_id__in=revoked).values("account_id")
        report["sessions"] = FamilySession.objects.using(DB).filter(account_id__in=accounts).delete()[0]
    return report


def chunks(ids: list[int], size: int = CHUNK) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]

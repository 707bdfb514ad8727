"""Continuity of access (SPEC C7), decided on the SIECLE side during a run.

A student changed school within the academy: his row in the old school has left, a row with
the same INE is present in the new school, and the new school's téléservices are open
(activated, at least one service open: `services.selectors.teleservices_open_school_ids`).

`continuity_decide` (before the rows go down): each guardian of the new school who had an
account through the old school's CAR gets the new school's CAR attached to that account, and
a student who had an account through his old CAE gets his new CAE attached likewise:

- **Which guardian is the same person.** Guardian rows are per school (SIECLE's PERSONNE_ID
  is not shared between schools), so the person is matched among the legal guardians (1 or 2)
  of the same child (same INE) only: first by name (last and first name, compared without
  case, accents, spaces, dashes or apostrophes), else by the SIECLE e-mail (case-insensitive,
  when both rows have one). A guardian who matches nobody, or several people, gets nothing:
  attaching a child to a stranger's account would be a leak, a missed continuity is only a
  letter with a code. When several old codes of that person carry accounts (several moves),
  the latest code's account wins.
- **The new pair has no valid CAR yet**: it gets one through `car.services.car_create_bulk`,
  as the school's mass creation would (legal 1 or 2, not refused, student present); a refused
  pair gets nothing.
- Recorded through `codes.services.codes_continuity_record`: account id, continuity date
  (the lists show the row in red, the next letter is the continuity letter) and a history row.
  A pair whose valid CAR already has an account (the family used it, or a previous run) is
  left alone, so a second run decides nothing.

`continuity_attach` (after the rows went down): for the codes recorded so (continuity date
within `since_days`), now present on the téléservices side, writes the `portal.Attachment`
rows (origin "continuity") not yet there. Idempotent (unique account and code). A code not
yet copied down waits for the next run; an account that no longer exists is logged.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import islice

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from car.services import car_create_bulk
from codes.models import ActivationCode, CodeKind
from codes.services import CodeError, ContinuityClaim, codes_continuity_record
from portal.models import Account, Attachment
from portal.models import Code as ReplicatedCode
from services.selectors import teleservices_open_school_ids
from siecle.models import LEGAL_RANKS, GuardianLink, School, Student, search_key

logger = logging.getLogger(__name__)

DB = "teleservices"
CHUNK = 5000
ATTACH_WINDOW_DAYS = 60


def _person_key(last: str, first: str) -> tuple[str, str]:
    return tuple(re.sub(r"[^0-9A-Z]", "", search_key(part)) for part in (last, first))  # type: ignore[return-value]


def _note(log: Callable[[str], None] | None, message: str) -> None:
    logger.warning("%s", message)
    if log is not None:
        log(message)


def _moved_students(school_ids: Iterable[int] | None):
    """Present students of open schools whose INE names a student who left another school."""
    left_elsewhere = Student.objects.filter(ine=OuterRef("ine"), has_left=True).exclude(school_id=OuterRef("school_id"))
    students = Student.objects.filter(has_left=False, school_id__in=teleservices_open_school_ids()).exclude(ine="")
    if school_ids is not None:
        students = students.filter(school_id__in=list(school_ids))
    return students.filter(Exists(left_elsewhere))


def _has_account_code(kind: str, **outer):
    return ActivationCode.objects.filter(kind=kind, is_valid=True, account_id__isnull=False, **outer)


def _guardian_decisions(school_ids) -> dict[int, list[tuple[int, int]]]:
    """{new school id: [(new link id, account id)]} for the guardians to give continuity."""
    moved = _moved_students(school_ids)
    # Only children one of whose former guardians had an account: the nightly cost follows
    # the few movers with accounts, not every student who ever changed school.
    old_account = ActivationCode.objects.filter(
        kind=CodeKind.CAR, account_id__isnull=False, student__ine=OuterRef("student__ine"), student__has_left=True
    )
    new_links = list(
        GuardianLink.objects.filter(student__in=moved, legal_rank__in=LEGAL_RANKS)
        .filter(Exists(old_account))
        .exclude(Exists(_has_account_code(CodeKind.CAR, link_id=OuterRef("pk"))))
        .values_list(
            "pk",
            "student__ine",
            "student__school_id",
            "guardian__last_name",
            "guardian__first_name",
            "guardian__email",
        )
    )
    if not new_links:
        return {}
    ines = {row[1] for row in new_links}
    old_codes = (
        ActivationCode.objects.filter(
            kind=CodeKind.CAR, account_id__isnull=False, student__ine__in=ines, student__has_left=True
        )
        .order_by("created_at", "pk")
        .values_list(
            "student__ine",
            "school_id",
            "link__guardian__last_name",
            "link__guardian__first_name",
            "link__guardian__email",
            "account_id",
        )
    )
    # Per INE, in the order the codes were created: (person key, e-mail, old school, account).
    by_ine: dict[str, list[tuple[tuple[str, str], str, int, int]]] = defaultdict(list)
    for ine, school_id, last, first, email, account_id in old_codes:
        by_ine[ine].append((_person_key(last, first), (email or "").strip().lower(), school_id, account_id))
    decisions: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for link_id, ine, school_id, last, first, email in new_links:
        olds = [old for old in by_ine.get(ine, []) if old[2] != school_id]
        key, mail = _person_key(last, first), (email or "").strip().lower()
        same = [old for old in olds if old[0] == key] or [old for old in olds if mail and old[1] == mail]
        if len({old[0] for old in same}) == 1:  # one person (an e-mail shared by both parents: nobody)
            # The same person; several accounts (several moves): the latest code's account.
            decisions[school_id].append((link_id, same[-1][3]))
    return decisions


def _student_decisions(school_ids) -> list[ContinuityClaim]:
    """Students whose old CAE carried an account: their new valid CAE, to attach to it."""
    moved = _moved_students(school_ids).exclude(Exists(_has_account_code(CodeKind.CAE, student_id=OuterRef("pk"))))
    new_codes = list(
        ActivationCode.objects.filter(kind=CodeKind.CAE, is_valid=True, student__in=moved).values_list(
            "pk", "school_id", "student__ine"
        )
    )
    if not new_codes:
        return []
    old = (
        ActivationCode.objects.filter(
            kind=CodeKind.CAE,
            account_id__isnull=False,
            student__has_left=True,
            student__ine__in={r[2] for r in new_codes},
        )
        .order_by("created_at", "pk")
        .values_list("student__ine", "school_id", "account_id")
    )
    latest: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for ine, school_id, account_id in old:
        latest[ine].append((school_id, account_id))
    claims = []
    for code_id, school_id, ine in new_codes:
        accounts = [a for s, a in latest.get(ine, []) if s != school_id]
        if accounts:
            claims.append(ContinuityClaim(code_id, accounts[-1], school_id, CodeKind.CAE))
    return claims


def continuity_decide(*, school_ids=None, log=None, today: datetime.date | None = None) -> dict[str, int]:
    """Record continuity of access for the guardians and students who moved (see the module).

    Returns {"guardians": CARs attached, "students": CAEs attached, "codes_created": new CARs,
    "refused": claims the codes service refused}.
    """
    report = {"guardians": 0, "students": 0, "codes_created": 0, "refused": 0}
    on = today or timezone.localdate()
    for school_id, pairs in sorted(_guardian_decisions(school_ids).items()):
        school = School.objects.get(pk=school_id)
        account_of_link = dict(pairs)
        with transaction.atomic():
            try:
                created = car_create_bulk(school=school, link_ids=list(account_of_link), by=None)
            except CodeError as error:
                _note(log, f"Continuité d'accès, {school.uaj} : {error}")
                continue
            report["codes_created"] += created.created
            codes = ActivationCode.objects.filter(
                kind=CodeKind.CAR, is_valid=True, link_id__in=list(account_of_link), account_id__isnull=True
            ).values_list("pk", "link_id")
            done = codes_continuity_record(
                attachments=[
                    ContinuityClaim(code_id, account_of_link[link_id], school_id, CodeKind.CAR)
                    for code_id, link_id in codes
                ],
                on=on,
            )
        report["guardians"] += done.recorded
        report["refused"] += len(done.refused)
        for refused in done.refused:
            _note(log, f"Continuité d'accès refusée : {refused}")
    claims = _student_decisions(school_ids)
    if claims:
        done = codes_continuity_record(attachments=claims, on=on)
        report["students"] += done.recorded
        report["refused"] += len(done.refused)
        for refused in done.refused:
            _note(log, f"Continuité d'accès refusée : {refused}")
    return report


def _chunks(rows, size: int):
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def continuity_attach(
    *, school_ids=None, log=None, since_days: int = ATTACH_WINDOW_DAYS, today: datetime.date | None = None
) -> dict[str, int]:
    """Write the `portal.Attachment` rows (origin continuity) of the codes now on the téléservices side.

    Returns {"attached": rows written, "waiting": codes not copied down yet, "no_account":
    codes whose account no longer exists on the téléservices side}.
    """
    report = {"attached": 0, "waiting": 0, "no_account": 0}
    cutoff = (today or timezone.localdate()) - datetime.timedelta(days=since_days)
    rows = ActivationCode.objects.filter(
        is_valid=True, continuity_at__isnull=False, continuity_at__gte=cutoff, account_id__isnull=False
    )
    if school_ids is not None:
        rows = rows.filter(school_id__in=list(school_ids))
    values = rows.order_by("pk").values_list("pk", "account_id", "student_id", "school_id")
    now = timezone.now()
    for chunk in _chunks(values.iterator(chunk_size=CHUNK), CHUNK):
        code_ids = [r[0] for r in chunk]
        present = set(ReplicatedCode.objects.using(DB).filter(pk__in=code_ids).values_list("pk", flat=True))
        accounts = set(Account.objects.using(DB).filter(pk__in={r[1] for r in chunk}).values_list("pk", flat=True))
        have = set(Attachment.objects.using(DB).filter(code_id__in=code_ids).values_list("account_id", "code_id"))
        new = []
        for code_id, account_id, student_id, school_id in chunk:
            if (account_id, code_id) in have:
                continue
            if code_id not in present:
                report["waiting"] += 1
            elif account_id not in accounts:
                report["no_account"] += 1
                _note(log, f"Continuité d'accès : le compte {account_id} du code {code_id} n'existe plus.")
            else:
                new.append(
                    Attachment(
                        account_id=account_id,
                        code_id=code_id,
                        student_id=student_id,
                        school_id=school_id,
                        attached_at=now,
                        origin=Attachment.Origin.CONTINUITY,
                    )
                )
        with transaction.atomic(using=DB):
            Attachment.objects.using(DB).bulk_create(new, ignore_conflicts=True)
        report["attached"] += len(new)
    return report

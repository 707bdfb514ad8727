"""Reads of the families' accounts for the SIECLE side (the C6 and D3 account blocks).

The staff site never reads `portal.models` itself (an import-linter contract): it asks here,
with the SIECLE ids of the codes of one pair (CAR) or one student (CAE), and gets plain values.
An account is found through its `Attachment` rows, which outlive the codes: a pair whose code
was replaced still shows the last account attached to any of its codes. Two queries on the
téléservices database, whatever the number of codes.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError, connections, router
from django.db.models import OuterRef, Subquery

from .models import Account, Attachment, Code, CodeAttempt, Guardian, Link, School, Student

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountBlock:
    """What the account block of a pair or a student shows; `account_id` is None without account."""

    account_id: int | None
    login: str = ""
    email: str = ""
    kind: str = ""  # Account.Kind: "R" guardian, "E" student
    state: str = ""  # Account.State: "P" Provisoire, "V" Validé
    created_at: datetime.datetime | None = None
    validated_at: datetime.datetime | None = None
    attached_code_id: int | None = None  # the code (SIECLE id) through which the account was found
    locked_at: datetime.datetime | None = None  # the valid code locked after wrong birth dates
    unavailable: bool = False  # the téléservices database did not answer: nothing is known

    @property
    def has_account(self) -> bool:
        return self.account_id is not None

    @property
    def is_provisional(self) -> bool:
        return self.state == Account.State.PROVISIONAL

    @property
    def is_student(self) -> bool:
        return self.kind == Account.Kind.STUDENT

    @property
    def state_label(self) -> str:
        return Account.State(self.state).label if self.state else ""

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


def account_for_codes(*, code_ids: Sequence[int]) -> Attachment | None:
    """The last attachment (with its account) of any of these codes, or None.

    For the portal's own services (the password reset); the SIECLE side reads `account_block`.
    """
    if not code_ids:
        return None
    return (
        Attachment.objects.select_related("account")
        .filter(code_id__in=list(code_ids))
        .order_by("-attached_at", "-pk")
        .first()
    )


def account_block(*, code_ids: Sequence[int], valid_code_id: int | None = None) -> AccountBlock:
    """The account block of a pair (its CARs) or a student (his CAEs), newest attachment first.

    `valid_code_id`: the holder's valid code, whose lock ("bloqué" after five wrong birth dates
    on the portal) the block shows; an old code's lock no longer matters. When the téléservices
    database does not answer, the block says so (`unavailable`) and the admin's page still works.
    """
    try:
        return _account_block(code_ids=code_ids, valid_code_id=valid_code_id)
    except (OperationalError, InterfaceError):
        logger.warning("téléservices database unreachable: account block shown as unavailable", exc_info=True)
        connections[router.db_for_read(Account)].close()
        return AccountBlock(account_id=None, unavailable=True)


def _account_block(*, code_ids: Sequence[int], valid_code_id: int | None) -> AccountBlock:
    locked_at = None
    if valid_code_id is not None:
        locked_at = (
            CodeAttempt.objects.filter(code_id=valid_code_id, locked_at__isnull=False)
            .values_list("locked_at", flat=True)
            .first()
        )
    attachment = account_for_codes(code_ids=code_ids)
    if attachment is None:
        return AccountBlock(account_id=None, locked_at=locked_at)
    account = attachment.account
    return AccountBlock(
        account_id=account.pk,
        login=account.login,
        email=account.email,
        kind=account.kind,
        state=account.state,
        created_at=account.created_at,
        validated_at=account.validated_at,
        attached_code_id=attachment.code_id,
        locked_at=locked_at,
    )


# --- F6 "Gérer son compte" and F5 "Contacter l'établissement" -------------------------------


@dataclass(frozen=True)
class AttachedChild:
    """One code attached to an account, as the account page lists it (never a code value)."""

    code_id: int
    kind: str  # Code.Kind
    student_id: int
    student_name: str
    division: str
    school_id: int
    school_name: str
    school_city: str
    attached_at: datetime.datetime
    origin: str
    contact_active: bool

    @property
    def origin_label(self) -> str:
        return Attachment.Origin(self.origin).label

    @property
    def kind_label(self) -> str:
        return "CAR (responsable)" if self.kind == Code.Kind.CAR else "CAE (élève)"


def account_children(*, account_id: int) -> list[AttachedChild]:
    """The codes attached to the account whose code row still exists (valid codes), oldest first.

    Two queries (the attachments, then their students with division and school), whatever their number.
    """
    rows = (
        Attachment.objects.filter(account_id=account_id)
        .annotate(
            code_kind=Subquery(Code.objects.filter(pk=OuterRef("code_id")).values("kind")[:1]),
        )
        .filter(code_kind__isnull=False)
        .values_list("code_id", "code_kind", "student_id", "school_id", "attached_at", "origin")
        .order_by("attached_at", "pk")
    )
    rows = list(rows)
    students = {
        s.pk: s for s in Student.objects.select_related("division", "school").filter(pk__in=[r[2] for r in rows])
    }
    children = []
    for code_id, kind, student_id, _school_id, attached_at, origin in rows:
        student = students.get(student_id)
        if student is None:
            continue
        children.append(
            AttachedChild(
                code_id=code_id,
                kind=kind,
                student_id=student_id,
                student_name=f"{student.first_name} {student.last_name}".strip(),
                division=(student.division.label or student.division.code) if student.division else "",
                school_id=student.school_id,
                school_name=student.school.name,
                school_city=student.school.city,
                attached_at=attached_at,
                origin=origin,
                contact_active=bool(student.school.contact_active and student.school.contact_email),
            )
        )
    return children


def account_holder_name(*, account_id: int, kind: str) -> str:
    """The name of the account's holder as the schools know it: the guardian(s) of its CARs, or the student."""
    children = Attachment.objects.filter(account_id=account_id).values("code_id")
    if kind == Account.Kind.STUDENT:
        student = Student.objects.filter(pk__in=Code.objects.filter(pk__in=children).values("student_id")).first()
        return f"{student.first_name} {student.last_name}".strip() if student else ""
    names = []
    for civility, last, first in (
        Guardian.objects.filter(
            pk__in=Link.objects.filter(pk__in=Code.objects.filter(pk__in=children).values("link_id")).values(
                "guardian_id"
            )
        )
        .order_by("last_name", "first_name")
        .values_list("civility", "last_name", "first_name")
    ):
        name = " ".join(part for part in (civility, last, first) if part)
        if name not in names:
            names.append(name)
    return ", ".join(names)


def contact_school(*, account_id: int, school_id: int) -> School | None:
    """The school of one of the account's children, if its contact link is active (F5); else None."""
    if not any(c.school_id == school_id for c in account_children(account_id=account_id)):
        return None
    return School.objects.filter(pk=school_id, contact_active=True).exclude(contact_email="").first()

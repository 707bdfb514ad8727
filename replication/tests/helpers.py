"""Test helpers: put a code on the families' side as a run would, and a family signed in with it.

Until the replication engine's run exists these write the `portal` rows directly, the way the
run will (the SIECLE ids copied, the code as its keyed digest only).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone

from codes.models import ActivationCode
from portal import models as ts
from portal.digests import code_digest


def replicate_code(code: ActivationCode) -> ts.Code:
    """The code's school, student, guardian and link, and the code itself, in the téléservices database."""
    school, student = code.school, code.student
    now = timezone.now()
    ts.School.objects.get_or_create(
        id=school.pk,
        defaults={"uaj": school.uaj, "academy_code": school.academy.code, "name": school.name, "replicated_at": now},
    )
    ts.Student.objects.get_or_create(
        id=student.pk,
        defaults={
            "school_id": school.pk,
            "last_name": student.last_name,
            "first_name": student.first_name,
            "birth_date": student.birth_date,
        },
    )
    if code.link_id:
        link = code.link
        guardian = link.guardian
        ts.Guardian.objects.get_or_create(
            id=guardian.pk,
            defaults={"school_id": school.pk, "last_name": guardian.last_name, "first_name": guardian.first_name},
        )
        ts.Link.objects.get_or_create(
            id=link.pk,
            defaults={
                "school_id": school.pk,
                "student_id": student.pk,
                "guardian_id": guardian.pk,
                "legal_rank": link.legal_rank,
            },
        )
    return ts.Code.objects.create(
        id=code.pk,
        school_id=school.pk,
        digest=code_digest(code.value),
        kind=code.kind,
        link_id=code.link_id,
        student_id=student.pk,
        created_on=timezone.localdate(code.created_at),
    )


def family_signed_in(code: ActivationCode, *, login: str | None = None) -> tuple[ts.Account, ts.FamilySession]:
    """An account created with this code (its attachment) and one open session of it."""
    now = timezone.now()
    account = ts.Account.objects.create(
        login=login or f"famille.{code.pk}",
        email="famille@exemple.test",
        password="!",  # noqa: S106 — unusable
        kind=ts.Account.Kind.GUARDIAN if code.link_id else ts.Account.Kind.STUDENT,
        state=ts.Account.State.VALIDATED,
    )
    ts.Attachment.objects.create(
        account=account, code_id=code.pk, student_id=code.student_id, school_id=code.school_id, attached_at=now
    )
    session = ts.FamilySession.objects.create(
        key_digest=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        account=account,
        created_at=now,
        last_seen_at=now,
        expires_at=now + datetime.timedelta(hours=2),
    )
    return account, session

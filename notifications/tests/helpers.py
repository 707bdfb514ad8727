"""Families with codes, for the letters tests."""

from __future__ import annotations

import io

from django.utils import timezone
from pypdf import PdfReader

from codes.models import ActivationCode, CodeKind, EventKind
from codes.values import generate
from siecle.factories import DivisionFactory, GuardianFactory, GuardianLinkFactory, StudentFactory
from siecle.models import GuardianLink, LegalRank


def car(link: GuardianLink, *, value: str | None = None, continuity=None) -> ActivationCode:
    now = timezone.now()
    return ActivationCode.objects.create(
        kind=CodeKind.CAR,
        school=link.student.school,
        student=link.student,
        link=link,
        value=value or generate(),
        is_valid=True,
        created_at=now,
        changed_at=now,
        change_kind=EventKind.CREATION,
        continuity_at=continuity,
    )


def guardian_with_children(school, *, last_name: str, children: int = 1, division: str = "3A", **guardian):
    """A legal guardian with `children` students of the school, each pair holding a valid CAR."""
    person = GuardianFactory(school=school, last_name=last_name, **guardian)
    links = []
    for n in range(children):
        student = StudentFactory(
            school=school,
            last_name=last_name,
            first_name=f"Enfant{n}{last_name.title()}",
            division=DivisionFactory(school=school, code=division),
        )
        link = GuardianLinkFactory(student=student, guardian=person, legal_rank=LegalRank.LEGAL_1)
        car(link)
        links.append(link)
    return person, links


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)

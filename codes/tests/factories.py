"""Helpers for the code tests (CAR, CAE): pairs, codes in a known state, a page as read."""

from __future__ import annotations

import datetime

from django.utils import timezone

from codes.models import ActivationCode, CodeKind, EventKind
from siecle.factories import DivisionFactory, GuardianLinkFactory, MefFactory, StudentFactory
from siecle.models import LegalRank


def make_pair(school, *, rank=LegalRank.LEGAL_1, last_name="DURAND", division="3A", mef="3EME", **student):
    mef_obj = MefFactory(school=school, code=f"MEF{mef}", label=mef)
    division_obj = DivisionFactory(school=school, code=division, label=division)
    s = StudentFactory(school=school, last_name=last_name, mef=mef_obj, division=division_obj, **student)
    return GuardianLinkFactory(student=s, legal_rank=rank)


def make_car(link, *, value=None, valid=True, notified=None, mode="", used=False, continuity=None):
    now = timezone.now()
    return ActivationCode.objects.create(
        kind=CodeKind.CAR,
        school=link.student.school,
        student=link.student,
        link=link,
        value=value or f"{link.pk:013d}"[-13:].replace("0", "A", 1),
        is_valid=valid,
        created_at=now,
        changed_at=now,
        change_kind=EventKind.CREATION,
        notified_at=notified,
        notification_mode=mode,
        used_at=now if used else None,
        continuity_at=continuity,
    )


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def page_text(response) -> str:
    """The page as a user reads it (HTML entities decoded)."""
    import html

    return html.unescape(response.content.decode())

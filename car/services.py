"""Guardians' codes (SPEC C2, C5, C8): who may get a CAR, and what a refusal does.

- `car_create_bulk` / `car_regenerate`: a CAR for legal 1 or 2 only, never while refused;
  mass creation needs at least one open téléservice.
- `car_refusals_record` / `car_refusals_lift`: a refusal invalidates the valid CAR and blocks creation.
The code lifecycle itself (birth, invalidation, history rows) is `codes.services`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from codes.models import AccessRefusal, ActivationCode, CodeKind
from codes.services import (
    CodeError,
    Regenerated,
    Target,
    access_refusals_create,
    access_refusals_lift,
    code_regenerate,
    codes_create_bulk,
    codes_invalidate,
)
from services.selectors import school_has_open_service
from siecle.models import LEGAL_RANKS, GuardianLink, School

NO_OPEN_SERVICE = (
    "Aucun téléservice n'est ouvert dans l'établissement : ouvrez-en au moins un "
    "(Gestion des téléservices › Ouverture / fermeture) avant de créer des codes."
)


@dataclass
class CreationReport:
    """What a mass creation did: codes created, and the checked pairs skipped with the reason."""

    created: int = 0
    already_valid: int = 0
    refused: int = 0
    not_eligible: int = 0

    @property
    def skipped(self) -> int:
        return self.already_valid + self.refused + self.not_eligible


def _school_link_ids(school: School, link_ids: Iterable[int]) -> list[int]:
    """The ids among these that are links of the school (student and guardian both of it).

    Read by primary key, the school compared here: with the school as a constant in the
    query, PostgreSQL without fresh statistics crossed every guardian of the school with
    every student (24 s for 4,600 pairs instead of 40 ms).
    """
    rows = GuardianLink.objects.filter(pk__in=list(link_ids)).values_list(
        "pk", "student__school_id", "guardian__school_id"
    )
    return [pk for pk, student_school, guardian_school in rows if student_school == guardian_school == school.pk]


def _refused_links():
    return AccessRefusal.objects.filter(kind=CodeKind.CAR, link=OuterRef("pk"))


def _valid_cars():
    return ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True, link=OuterRef("pk"))


def car_create_bulk(
    *, school: School, link_ids: Iterable[int], by, at: datetime.datetime | None = None
) -> CreationReport:
    """Mass creation (C2): a new CAR for each checked pair that may have one.

    Refused with CodeError while no téléservice of the school is open (C2). A pair may get a
    code when the guardian is legal 1 or 2 of a student of the school who has not left, has
    not refused the access and holds no valid CAR. Others are counted, never changed, so a
    second submission of the same form creates nothing. `at` (default now) dates the codes
    and their history: the demo academy replays a past school year with it.
    """
    if not school_has_open_service(school=school):
        raise CodeError(NO_OPEN_SERVICE)
    wanted = set(link_ids)
    report = CreationReport()
    if not wanted:
        return report
    with transaction.atomic():
        rows = list(
            GuardianLink.objects.filter(pk__in=_school_link_ids(school, wanted))
            .annotate(refused=Exists(_refused_links()), has_valid=Exists(_valid_cars()))
            .values_list("pk", "student_id", "legal_rank", "student__has_left", "refused", "has_valid")
        )
        targets = []
        for link_id, student_id, rank, has_left, refused, has_valid in rows:
            if rank not in LEGAL_RANKS or has_left:
                report.not_eligible += 1
            elif refused:
                report.refused += 1
            elif has_valid:
                report.already_valid += 1
            else:
                targets.append(Target(student_id, link_id))
        report.not_eligible += len(wanted) - len(rows)
        created = codes_create_bulk(kind=CodeKind.CAR, school=school, targets=targets, by=by, at=at)
        report.created = len(created)
        report.already_valid += len(targets) - len(created)
    return report


def _lock_link(link: GuardianLink) -> GuardianLink:
    """Serialise the actions on one pair: two heads acting at once are applied one after the other."""
    return GuardianLink.objects.select_for_update().select_related("student").get(pk=link.pk)


def car_regenerate(*, link: GuardianLink, by) -> Regenerated:
    """ "Nouveau code" (C5): invalidate the pair's valid CAR if it has one, then create a new valid one."""
    with transaction.atomic():
        link = _lock_link(link)
        if link.legal_rank not in LEGAL_RANKS:
            raise CodeError("Seuls les responsables légaux 1 et 2 peuvent recevoir un code.")
        if link.student.has_left:
            raise CodeError("L'élève a quitté l'établissement : aucun nouveau code ne peut être créé.")
        if AccessRefusal.objects.filter(kind=CodeKind.CAR, link=link).exists():
            raise CodeError("Ce responsable a refusé l'accès aux téléservices : autorisez d'abord l'accès.")
        return code_regenerate(
            kind=CodeKind.CAR, school=link.student.school, target=Target(link.student_id, link.pk), by=by
        )


def car_invalidate(*, link: GuardianLink, by) -> ActivationCode:
    """ "Invalider code" (C5): the pair keeps no valid CAR until a new one is created."""
    with transaction.atomic():
        link = _lock_link(link)
        done = codes_invalidate(codes_qs=ActivationCode.objects.filter(kind=CodeKind.CAR, link=link), by=by)
        if not done:
            raise CodeError("Ce couple n'a pas de code valide à invalider.")
    return ActivationCode.objects.get(pk=done[0][2])


def car_invalidate_unnotified_bulk(*, school: School, link_ids: Iterable[int], by) -> int:
    """Withdraw the access of pairs whose valid CAR was never sent (manual §5.4.1).

    Only codes not yet notified are touched: a notified code is changed on the pair screen.
    """
    with transaction.atomic():
        done = codes_invalidate(
            codes_qs=ActivationCode.objects.filter(
                kind=CodeKind.CAR, school=school, link_id__in=list(link_ids), notified_at__isnull=True
            ),
            by=by,
            detail="Accès supprimé avant notification",
        )
    return len(done)


def car_invalidate_for_links(*, school: School, link_ids: Iterable[int], by=None) -> int:
    """The guardians of these links are no longer legal guardians: their valid CARs stop working."""
    with transaction.atomic():
        done = codes_invalidate(
            codes_qs=ActivationCode.objects.filter(kind=CodeKind.CAR, school=school, link_id__in=list(link_ids)),
            by=by,
            detail="N'est plus responsable légal de l'élève",
        )
    return len(done)


def car_refusals_record(*, school: School, link_ids: Iterable[int], by) -> int:
    """Record the refusal of these pairs (returned slip, "Enlever l'accès"), invalidating their CAR (C8).

    Pairs already refused, other contacts and other schools' pairs are left alone.
    Returns how many refusals were recorded.
    """
    refused, _invalidated = _refusals_record(school=school, link_ids=link_ids, by=by)
    return refused


def _refusals_record(*, school: School, link_ids: Iterable[int], by) -> tuple[int, int]:
    """(refusals recorded, valid codes invalidated)."""
    wanted = set(link_ids)
    with transaction.atomic():
        links = list(
            GuardianLink.objects.select_for_update()
            .filter(pk__in=_school_link_ids(school, wanted), legal_rank__in=LEGAL_RANKS)
            .annotate(refused=Exists(_refused_links()))
            .filter(refused=False)
            .values_list("pk", "student_id")
            .order_by("pk")
        )
        if not links:
            return 0, 0
        at = timezone.now()
        invalidated = codes_invalidate(
            codes_qs=ActivationCode.objects.filter(kind=CodeKind.CAR, link_id__in=[pk for pk, _ in links]),
            by=by,
            detail="Refus d'accès aux téléservices",
            at=at,
        )
        access_refusals_create(
            kind=CodeKind.CAR, school=school, targets=[Target(s, pk) for pk, s in links], by=by, at=at
        )
    return len(links), len(invalidated)


def car_refusals_lift(*, school: School, link_ids: Iterable[int], by) -> int:
    """Lift the refusal of these pairs ("Autoriser l'accès"); a new CAR can then be created."""
    return access_refusals_lift(
        kind=CodeKind.CAR,
        school=school,
        refusals_qs=AccessRefusal.objects.filter(link_id__in=set(link_ids)),
        by=by,
    )


def car_refusal_record(*, link: GuardianLink, by) -> bool:
    """ "Enlever l'accès" on the pair screen; True when it invalidated the pair's valid code."""
    refused, invalidated = _refusals_record(school=link.student.school, link_ids=[link.pk], by=by)
    if not refused:
        raise CodeError("L'accès de ce responsable est déjà enlevé, ou il n'est pas responsable légal.")
    return bool(invalidated)


def car_refusal_lift(*, link: GuardianLink, by) -> None:
    """ "Autoriser l'accès" on the pair screen."""
    if not car_refusals_lift(school=link.student.school, link_ids=[link.pk], by=by):
        raise CodeError("Ce responsable n'avait pas d'accès enlevé.")

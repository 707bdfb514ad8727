"""The national téléservices a school can offer, in the manual's order (§5.1)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from siecle.models import School


class ServiceCode(models.TextChoices):
    ABSENCES = "absences", "Consultation des absences"
    LPC = "lpc", "Consultation du livret personnel de compétences"
    NOTES = "notes", "Consultation des notes"
    B2I = "b2i", "Brevet informatique et internet"


@dataclass(frozen=True)
class Service:
    """One national téléservice: its code, its French label, and what a school needs to claim it."""

    code: str
    label: str
    short_label: str
    school_flag: str  # the School boolean that lets the school claim the service
    missing_reason: str  # shown when that flag is off

    @property
    def name(self) -> str:
        return self.label

    def claimable_by(self, school: School) -> bool:
        return bool(getattr(school, self.school_flag))

    def __str__(self) -> str:
        return self.label


CATALOGUE: tuple[Service, ...] = (
    Service(
        code=ServiceCode.ABSENCES,
        label=ServiceCode.ABSENCES.label,
        short_label="Absences",
        school_flag="uses_absences_module",
        missing_reason="l'établissement n'utilise pas le module Absences de SIECLE.",
    ),
    Service(
        code=ServiceCode.LPC,
        label=ServiceCode.LPC.label,
        short_label="LPC",
        school_flag="uses_lpc_module",
        missing_reason="l'établissement n'utilise pas le module LPC de SIECLE.",
    ),
    Service(
        code=ServiceCode.NOTES,
        label=ServiceCode.NOTES.label,
        short_label="Notes",
        school_flag="uses_notes_module",
        missing_reason="l'établissement n'utilise pas le module Notes de SIECLE.",
    ),
    Service(
        code=ServiceCode.B2I,
        label=ServiceCode.B2I.label,
        short_label="B2i",
        school_flag="b2i_experimenter",
        missing_reason="l'établissement n'est pas expérimentateur de ce téléservice.",
    ),
)

BY_CODE: dict[str, Service] = {s.code: s for s in CATALOGUE}

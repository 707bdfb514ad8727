"""What keeps an import from retiring a school by mistake: mass changes and partial exports.

An import computes, while it runs, how many present students it marks as left, how many
legal links it loses and how many valid codes (and notified codes among them) the code apps
invalidate in answer to `links_lost_legal_rank`. Those figures are the same whether the run
is a dry run (rolled back) or the real one, since it is the same code. After the last file
and before its transaction commits, the import checks them against what the caller allowed:

- mass changes: more than MASS_LEAVING_SHARE of the present students leaving, or any code
  already notified to a family invalidated; allowed only with `allow_mass_changes`;
- partial export: a students or guardians export naming fewer than PARTIAL_SHARE of the
  school's present students; allowed only with `allow_partial`;
- drift: when the caller confirmed a preview (`previewed`), the run may not do more than it
  showed (the school's data changed in between).

A refusal raises ImportBlocked out of the transaction: nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ExportRefused
from .report import ImportReport

MASS_LEAVING_SHARE = 0.10
PARTIAL_SHARE = 0.5
PARTIAL_KINDS = ("students", "guardians")
PARTIAL_LABELS = {"students": "élèves", "guardians": "responsables"}


def _n(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count < 2 else plural}"


@dataclass(frozen=True)
class Confirmation:
    """What the person who starts the import accepted.

    `previewed` holds the harm figures of the preview he confirmed (`ImportReport.harm()`):
    the real run may not exceed any of them.
    """

    allow_mass_changes: bool = False
    allow_partial: bool = False
    previewed: dict[str, int] | None = field(default=None)


class ImportBlocked(ExportRefused):
    """The import would make changes its caller did not accept: rolled back, nothing written."""

    def __init__(self, message: str, *, reason: str, report: ImportReport):
        super().__init__(message)
        self.reason = reason  # "partial", "mass" or "drift"
        self.report = report


@dataclass(frozen=True)
class Risks:
    present: int
    leaving: int
    notified: int
    partial: dict[str, int]  # export kind -> students it names, when that is too few

    @property
    def mass_leaving(self) -> bool:
        return self.present > 0 and self.leaving > self.present * MASS_LEAVING_SHARE

    @property
    def mass_changes(self) -> bool:
        return self.mass_leaving or self.notified > 0

    @property
    def any(self) -> bool:
        return self.mass_changes or bool(self.partial)

    @property
    def leaving_percent(self) -> int:
        return round(self.leaving * 100 / self.present) if self.present else 0

    def mass_sentence(self) -> str:
        parts = []
        if self.mass_leaving:
            parts.append(
                f"{_n(self.leaving, 'élève présent', 'élèves présents')} sur {self.present} "
                f"({self.leaving_percent} %) {'serait marqué comme sorti' if self.leaving < 2 else 'seraient marqués comme sortis'}"
            )
        if self.notified:
            parts.append(
                f"{_n(self.notified, 'code déjà remis', 'codes déjà remis')} aux familles "
                f"{'serait invalidé' if self.notified < 2 else 'seraient invalidés'}"
            )
        return " et ".join(parts)

    def partial_sentence(self) -> str:
        return " ; ".join(
            f"l'export {PARTIAL_LABELS[kind]} ne nomme que {_n(count, 'élève', 'élèves')} sur les {self.present} "
            "présents dans l'établissement : il semble partiel"
            for kind, count in self.partial.items()
        )


def risks_of(report: ImportReport) -> Risks:
    present = report.present_students
    partial = {
        kind: count
        for kind, count in report.export_students.items()
        if kind in PARTIAL_KINDS and present and count < present * PARTIAL_SHARE
    }
    return Risks(
        present=present, leaving=report.students_leaving, notified=report.codes_notified_total, partial=partial
    )


def check(report: ImportReport, confirmation: Confirmation) -> None:
    """Raise ImportBlocked when the run did more than `confirmation` accepts."""
    risks = risks_of(report)
    if risks.partial and not confirmation.allow_partial:
        raise ImportBlocked(
            f"Import refusé : {risks.partial_sentence()} ; rien n'a été enregistré.", reason="partial", report=report
        )
    if risks.mass_changes and not confirmation.allow_mass_changes:
        raise ImportBlocked(
            f"Import refusé : {risks.mass_sentence()} ; rien n'a été enregistré.", reason="mass", report=report
        )
    if confirmation.previewed is not None:
        harm = report.harm()
        worse = [key for key, value in harm.items() if value > confirmation.previewed.get(key, 0)]
        if worse:
            details = ", ".join(
                f"{HARM_LABELS[key]} : {harm[key]} au lieu de {confirmation.previewed.get(key, 0)}" for key in worse
            )
            # What to do first: a job message is cut at 300 characters, the figures may be long.
            raise ImportBlocked(
                "Import refusé, rien n'a été enregistré : les données de l'établissement ont changé depuis "
                f"l'aperçu ; demandez un nouvel aperçu. Changements en plus : {details}.",
                reason="drift",
                report=report,
            )


HARM_LABELS = {
    "students_leaving": "élèves marqués comme sortis",
    "links_lost": "liens qui ne sont plus légal 1 ou 2",
    "codes_invalidated": "codes invalidés",
    "codes_notified": "codes déjà remis invalidés",
}

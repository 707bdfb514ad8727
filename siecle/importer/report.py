"""The import report: what was created, updated, marked as left or ignored, and every rejection.

The same report is printed by `manage.py import_siecle` and shown on the "Import SIECLE"
page (it travels as JSON in the job's result).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = {
    "mefs": "MEF",
    "divisions": "divisions",
    "students": "élèves",
    "guardians": "responsables",
    "links": "liens élève–responsable",
}
NOTICES = {
    "students_without_ine": "Élèves sans INE (importés)",
    "students_without_division": "Élèves sans division (importés)",
    "students_left": "Élèves marqués comme sortis",
    "students_several_divisions": "Élèves avec plusieurs divisions (la première est retenue)",
    "mefs_unknown": "MEF absents de la nomenclature (créés avec leur code pour libellé)",
    "guardians_bad_email": "Responsables dont le courriel est invalide (non repris)",
    "links_more_than_two_legal": "Élèves avec plus de deux représentants légaux (les suivants passent en autre contact)",
    "links_lost_legal_rank": "Liens qui ne sont plus légal 1 ou 2 (codes invalidés)",
}
NOTICE_DETAIL_LIMIT = 200


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    ignored: int = 0


@dataclass
class Rejection:
    kind: str
    ref: str
    reason: str


@dataclass
class ImportReport:
    uaj: str = ""
    school_name: str = ""
    school_created: bool = False
    year: int | None = None
    dry_run: bool = False
    files: list[dict[str, str]] = field(default_factory=list)
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})
    rejected: list[Rejection] = field(default_factory=list)
    notices: dict[str, list[str]] = field(default_factory=dict)
    notice_totals: dict[str, int] = field(default_factory=dict)
    # What the safeguards weigh (siecle.importer.safeguards): present students before the
    # import, how many of them it marks as left, how many students each students/guardians
    # export names, and the valid codes the code apps invalidated ("CAR"/"CAE" -> counts).
    present_students: int = 0
    students_leaving: int = 0
    export_students: dict[str, int] = field(default_factory=dict)
    codes_invalidated: dict[str, dict[str, int]] = field(default_factory=dict)

    # --- building ---------------------------------------------------------------------------
    def reject(self, kind: str, ref: str, reason: str) -> None:
        self.rejected.append(Rejection(kind=kind, ref=ref, reason=reason))

    def notice(self, key: str, detail: str) -> None:
        """Something imported but worth telling; details are kept up to a limit, the count always."""
        self.notice_totals[key] = self.notice_totals.get(key, 0) + 1
        details = self.notices.setdefault(key, [])
        if len(details) < NOTICE_DETAIL_LIMIT:
            details.append(detail)

    def notice_many(self, key: str, details: list[str], *, total: int) -> None:
        """`total` items of one kind, of which only `details` are described."""
        if not total:
            return
        self.notice_totals[key] = self.notice_totals.get(key, 0) + total
        kept = self.notices.setdefault(key, [])
        kept.extend(details[: max(0, NOTICE_DETAIL_LIMIT - len(kept))])

    def codes_were_invalidated(self, *, kind: str, count: int, notified: int) -> None:
        totals = self.codes_invalidated.setdefault(kind, {"count": 0, "notified": 0})
        totals["count"] += count
        totals["notified"] += notified

    # --- reading ----------------------------------------------------------------------------
    @property
    def codes_invalidated_total(self) -> int:
        return sum(c["count"] for c in self.codes_invalidated.values())

    @property
    def codes_notified_total(self) -> int:
        return sum(c["notified"] for c in self.codes_invalidated.values())

    def code_rows(self) -> list[tuple[str, int, int]]:
        """(kind, valid codes invalidated, notified among them) for CAR and CAE."""
        return [
            (
                kind,
                self.codes_invalidated.get(kind, {}).get("count", 0),
                self.codes_invalidated.get(kind, {}).get("notified", 0),
            )
            for kind in ("CAR", "CAE")
        ]

    def harm(self) -> dict[str, int]:
        """What an import takes away: a confirmed preview caps these figures for the real run."""
        return {
            "students_leaving": self.students_leaving,
            "links_lost": self.counts["links"].left,
            "codes_invalidated": self.codes_invalidated_total,
            "codes_notified": self.codes_notified_total,
        }

    @property
    def risks(self):
        from .safeguards import risks_of

        return risks_of(self)

    def summary_lines(self) -> list[str]:
        """The few figures a head confirms before an import is applied."""
        students, guardians, links = self.counts["students"], self.counts["guardians"], self.counts["links"]
        out = [
            f"Élèves : {students.created} créés, {students.updated} mis à jour, "
            f"{self.students_leaving} présents marqués comme sortis (sur {self.present_students} présents)",
            f"Responsables : {guardians.created} créés, {guardians.updated} mis à jour",
            f"Liens élève–responsable : {links.created} créés, {links.left} qui ne sont plus légal 1 ou 2",
        ]
        for kind, count, notified in self.code_rows():
            out.append(f"Codes {kind} valides invalidés : {count}, dont {notified} déjà remis aux familles")
        return out

    @property
    def year_label(self) -> str:
        return f"{self.year}-{self.year + 1}" if self.year else ""

    def count_rows(self) -> list[tuple[str, KindCounts]]:
        return [(KINDS[k], self.counts[k]) for k in KINDS]

    def notice_rows(self) -> list[tuple[str, int, list[str]]]:
        return [
            (NOTICES[k], self.notice_totals[k], self.notices.get(k, [])) for k in NOTICES if k in self.notice_totals
        ]

    def lines(self) -> list[str]:
        head = "Simulation (--dry-run) : rien n'a été enregistré." if self.dry_run else "Import terminé."
        school = (
            f"Établissement {self.uaj}, inconnu : créé sous le nom provisoire « {self.school_name} »"
            if self.school_created
            else f"Établissement {self.uaj} {self.school_name}"
        )
        out = [head, school]
        if self.year:
            out.append(f"Année scolaire {self.year_label}")
        out.extend(self.summary_lines())
        for f in self.files:
            out.append(f"  fichier {f['name']} : export {f['kind_label']} {f['version']} du {f['export_date'] or '?'}")
        out.append("Type : créés / mis à jour / inchangés / sortis / ignorés")
        for label, c in self.count_rows():
            out.append(f"  {label} : {c.created} / {c.updated} / {c.unchanged} / {c.left} / {c.ignored}")
        for label, total, details in self.notice_rows():
            out.append(f"{label} : {total}")
            out.extend(f"  - {d}" for d in details)
            if total > len(details):
                out.append(f"  … et {total - len(details)} autres")
        out.append(f"Enregistrements rejetés : {len(self.rejected)}")
        out.extend(f"  - {r.kind} {r.ref} : {r.reason}" for r in self.rejected)
        return out

    # --- JSON (job result) ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["counts"] = {k: KindCounts(**v) for k, v in data.get("counts", {}).items()}
        data["rejected"] = [Rejection(**r) for r in data.get("rejected", [])]
        return cls(**data)

"""One import of consultation files: check every header, then read, check and write in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F

from siecle.importer.errors import ExportRefused
from siecle.importer.report import KindCounts
from siecle.importer.staging import forget_queries

from ..models import Mark
from .kinds import KINDS
from .reading import CsvFile
from .rows import DUPLICATE, PARSERS, Lookup, Parsed, RowRefused
from .writing import BATCH, batch_upsert

ORDER = list(KINDS)


@dataclass
class ConsultationReport:
    dry_run: bool = False
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    counts: dict[tuple[str, str], KindCounts] = field(default_factory=dict)  # (uaj, kind) -> counts

    def lines(self) -> list[str]:
        head = "Import des données de consultation"
        lines = [f"{head} (simulation : rien n'a été enregistré)" if self.dry_run else head]
        lines += [f"Fichier {name} : {KINDS[kind].label}" for name, kind in self.files]
        for uaj in sorted({uaj for uaj, _ in self.counts}):
            lines.append(f"Établissement {uaj} :")
            for kind in ORDER:
                c = self.counts.get((uaj, kind))
                if c is not None:
                    lines.append(
                        f"  {KINDS[kind].label} : {c.created} ajouté(e)s, {c.updated} modifié(e)s, "
                        f"{c.unchanged} inchangé(e)s"
                    )
        if not self.counts:
            lines.append("Aucune ligne de données dans les fichiers.")
        return lines


def _import_file(csv_file: CsvFile, lookup: Lookup, seen: dict[tuple, str], report: ConsultationReport) -> None:
    kind = csv_file.kind.key
    parse = PARSERS[kind]
    batch: list[Parsed] = []

    def flush() -> None:
        batch_upsert(kind=kind, rows=batch, counts=report.counts)
        if kind == "evaluations":
            for school_id in {row.values["school_id"] for row in batch}:
                refs = [row.values["ref"] for row in batch if row.values["school_id"] == school_id]
                lookup.evaluations_written(school_id, refs)
        batch.clear()
        forget_queries()

    for line, row in csv_file.rows():
        where = f"{csv_file.name}, ligne {line}"
        try:
            parsed = parse(row, lookup)
        except RowRefused as exc:
            raise ExportRefused(f"{where} : {exc} ; rien n'a été importé.") from exc
        if parsed.key in seen:
            raise ExportRefused(
                f"{where} : {DUPLICATE[kind]} que {seen[parsed.key]} (ligne en double) ; rien n'a été importé."
            )
        seen[parsed.key] = f"la ligne {line} de {csv_file.name}"
        batch.append(parsed)
        if len(batch) >= BATCH:
            flush()
    flush()


def _refuse_marks_above_scale(school_ids: list[int]) -> None:
    """An evaluation given a smaller scale must not leave a mark of the base above it."""
    over = (
        Mark.objects.filter(school_id__in=school_ids, value__gt=F("evaluation__scale"))
        .order_by("evaluation__ref", "student__siecle_id")
        .values_list("evaluation__ref", "evaluation__scale", "student__siecle_id", "value")
        .first()
    )
    if over:
        ref, scale, siecle_id, value = over
        raise ExportRefused(
            f"contrôle REF {ref} : barème {scale} inférieur à la note {format(value.normalize(), 'f').replace('.', ',')} de l'élève ELEVE_ID {siecle_id} "
            "déjà enregistrée (corrigez aussi la note dans un fichier de notes) ; rien n'a été importé."
        )


def consultation_import(
    *, paths: Sequence[str | Path], uaj: str | None = None, dry_run: bool = False
) -> ConsultationReport:
    """Import consultation CSV files (docs: README, "Consultation data") into the SIECLE base, all or nothing.

    Raises ExportRefused, with one French line, when any file or row cannot be imported: then
    nothing is written. A dry run does everything, reports, and rolls back.
    """
    if not paths:
        raise ExportRefused("Aucun fichier à importer.")
    files = sorted((CsvFile.open(p) for p in paths), key=lambda f: ORDER.index(f.kind.key))
    report = ConsultationReport(dry_run=dry_run)
    lookup = Lookup(uaj=uaj)
    seen: dict[str, dict[tuple, str]] = {}  # per kind: key -> where it was first read
    with transaction.atomic():
        for csv_file in files:
            report.files.append((csv_file.name, csv_file.kind.key))
            _import_file(csv_file, lookup, seen.setdefault(csv_file.kind.key, {}), report)
        if "evaluations" in seen:
            _refuse_marks_above_scale(lookup.evaluation_schools())
        if dry_run:
            transaction.set_rollback(True)
    return report

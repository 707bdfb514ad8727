"""One import run: check every file's header, then read and write them in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from django.db import transaction
from django.utils import timezone

from ..models import Academy, School
from .context import ImportContext
from .errors import ExportRefused
from .guardians import import_guardians
from .nomenclature import import_nomenclature
from .reading import KIND_LABELS, ExportFile, ExportHeader
from .report import ImportReport
from .safeguards import Confirmation, check
from .structures import import_structures
from .students import import_students

# Order of the parts: MEFs and divisions first, students before the links to them.
ORDER = ["nomenclature", "structures", "students", "guardians"]
IMPORTERS = {
    "nomenclature": import_nomenclature,
    "structures": import_structures,
    "students": import_students,
    "guardians": import_guardians,
}

Progress = Callable[[int, int, str], None]


def check_headers(files: Sequence[ExportFile], *, uaj: str | None = None) -> list[ExportHeader]:
    """Every file is a SIECLE export of one school (the given UAJ when there is one), one per kind."""
    if not files:
        raise ExportRefused("Aucun fichier à importer.")
    headers = [f.header() for f in files]
    if uaj:
        for h in headers:
            if h.uaj != uaj.upper():
                raise ExportRefused(
                    f"{h.name} : export de l'établissement {h.uaj}, pas de {uaj.upper()} ; rien n'a été importé."
                )
    uajs = sorted({h.uaj for h in headers})
    if len(uajs) > 1:
        raise ExportRefused(f"Les fichiers sont de plusieurs établissements ({', '.join(uajs)}) ; un seul à la fois.")
    kinds = [h.kind for h in headers]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            raise ExportRefused(f"Plusieurs exports {KIND_LABELS[kind]} donnés ; un seul par type.")
    return headers


def _school_for(uaj: str, academy_code: str | None, report: ImportReport) -> School:
    school = School.objects.select_for_update().filter(uaj=uaj).first()
    if school:
        return school
    if academy_code:
        academy = Academy.objects.filter(code=academy_code).first()
        if academy is None:
            raise ExportRefused(f"Académie « {academy_code} » inconnue.")
    else:
        academies = list(Academy.objects.order_by("pk")[:2])
        if len(academies) > 1:
            raise ExportRefused(f"L'établissement {uaj} est inconnu : précisez son académie (--academy CODE).")
        academy = academies[0] if academies else Academy.objects.create(code="ACADEMIE", name="Académie")
    report.school_created = True
    return School.objects.create(academy=academy, uaj=uaj, name=f"Établissement {uaj}")


# Exports that mark absent students as left and take legal ranks away: never from a past year.
DESTRUCTIVE_KINDS = {"students", "guardians"}


def refuse_past_year(school: School, headers: Sequence[ExportHeader]) -> None:
    """Last year's students or guardians export, uploaded by mistake, would mark this year's new
    students as left and invalidate the codes of their guardians: refused."""
    if school.school_year_start is None:
        return
    current = school.school_year_start.year
    for h in headers:
        if h.kind in DESTRUCTIVE_KINDS and h.year < current:
            raise ExportRefused(
                f"{h.name} : export de l'année scolaire {h.year}-{h.year + 1}, antérieure à l'année en cours "
                f"de l'établissement ({current}-{current + 1}) ; rien n'a été importé."
            )


def _set_school_year(school: School, year: int) -> None:
    """The export's year becomes the school's, never going back to an earlier year."""
    start = datetime.date(year, 9, 1)
    if school.school_year_start is None or start > school.school_year_start:
        school.school_year_start, school.school_year_end = start, datetime.date(year + 1, 8, 31)
        school.save(update_fields=["school_year_start", "school_year_end"])


def import_exports(
    files: Sequence[ExportFile],
    *,
    uaj: str | None = None,
    dry_run: bool = False,
    academy_code: str | None = None,
    progress: Progress | None = None,
    today: datetime.date | None = None,
    confirmation: Confirmation | None = None,
) -> ImportReport:
    """Import SIECLE BEE exports of one school into the SIECLE base, all or nothing.

    Raises ExportRefused (nothing written) when a file cannot be imported as a whole, and its
    subclass ImportBlocked when the run would make mass changes, comes from a partial export,
    or does more than a confirmed preview, beyond what `confirmation` accepts (by default,
    nothing of the kind: see safeguards). A dry run computes the same figures and never refuses.
    `progress(done, total, message)` is called while reading, in bytes of XML.
    """
    headers = check_headers(files, uaj=uaj)
    report = ImportReport(dry_run=dry_run, uaj=headers[0].uaj, year=max(h.year for h in headers))
    pairs = sorted(zip(files, headers, strict=True), key=lambda p: ORDER.index(p[1].kind))
    total = sum(f.size for f in files) or 1
    done = 0

    def on_read(n: int) -> None:
        nonlocal done
        done += n
        if progress:  # the last tenth is left for the writes after the last byte
            progress(min(done, total) * 9 // 10, total, "Lecture et enregistrement des données")

    with transaction.atomic():
        school = _school_for(report.uaj, academy_code, report)
        report.school_name = school.name
        refuse_past_year(school, headers)
        _set_school_year(school, report.year)
        ctx = ImportContext(school=school, report=report, today=today or timezone.localdate())
        ctx.load()
        for export, header in pairs:
            report.files.append(
                {
                    "name": header.name,
                    "kind": header.kind,
                    "kind_label": KIND_LABELS[header.kind],
                    "version": header.version,
                    "export_date": header.export_date,
                }
            )
            reader = export.reader(on_read)  # reads PARAMETRES again, then DONNEES
            try:
                IMPORTERS[header.kind](reader, ctx)
            finally:
                reader.close()
        if dry_run:
            transaction.set_rollback(True)
        else:
            check(report, confirmation or Confirmation())  # raises out of the transaction: rolled back
    if progress:
        progress(total, total, "Import terminé")
    return report

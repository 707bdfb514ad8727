"""BEE_ELEVES (ElevesSansAdresses / ElevesAvecAdresses): students and their division.

A student's division is his structure of type D, except the pseudo-division "Inactifs";
groups (G) are ignored. Students whose DATE_SORTIE is past are marked as left, and so are
the school's students missing from the export (a SIECLE export lists every student of the
year). Students are never deleted: codes and history hang on them.

Names: the family name is NOM_DE_FAMILLE (NOM in exports before 2016), the usage name only
when neither is given; first name PRENOM. The INE is ID_NATIONAL, optional.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..models import Student, search_key
from ..signals import students_created, students_left
from .context import ImportContext
from .reading import ExportReader, fields
from .staging import StagingTable, fetch_all, keyset_pages
from .values import parse_date, parse_sex, text
from .writer import merge_page

STUDENT_COLUMNS = {
    "eleve_id": "text NOT NULL",
    "elenoet": "text",
    "ine": "text",
    "last_name": "text",
    "first_name": "text",
    "birth_date": "text",
    "sex": "text",
    "mef_code": "text",
    "entry_date": "text",
    "leaving_date": "text",
}
INACTIVE = "inactifs"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _student_row(values: dict[str, str], ctx: ImportContext) -> tuple | None:
    eleve_id = values.get("ELEVE_ID", "")
    last_name = values.get("NOM_DE_FAMILLE") or values.get("NOM") or values.get("NOM_USAGE", "")
    ref = f"ELEVE_ID {eleve_id or '?'}"
    if not eleve_id:
        ctx.report.reject("élève", f"{last_name} {values.get('PRENOM', '')}".strip() or "?", "ELEVE_ID absent")
        return None
    if not last_name:
        ctx.report.reject("élève", ref, "nom de famille absent")
        return None
    dates = {}
    for tag, label in (("DATE_NAISS", "de naissance"), ("DATE_ENTREE", "d'entrée"), ("DATE_SORTIE", "de sortie")):
        try:
            dates[tag] = parse_date(values.get(tag))
        except ValueError:
            ctx.report.reject("élève", ref, f"date {label} invalide « {values.get(tag, '')[:20]} »")
            return None
    return (
        eleve_id,
        values.get("ELENOET", ""),
        values.get("ID_NATIONAL", ""),
        last_name,
        values.get("PRENOM", ""),
        _iso(dates["DATE_NAISS"]),
        parse_sex(values.get("CODE_SEXE")),
        values.get("CODE_MEF", ""),
        _iso(dates["DATE_ENTREE"]),
        _iso(dates["DATE_SORTIE"]),
    )


def _division_of(elem, ctx: ImportContext, eleve_id: str) -> str | None:
    divisions: list[str] = []
    counts = ctx.report.counts["divisions"]
    for structure in elem.iter("STRUCTURE"):
        code = text(structure.findtext("CODE_STRUCTURE"))
        kind = text(structure.findtext("TYPE_STRUCTURE")).upper()
        if kind == "D" and code and code.lower() != INACTIVE:
            divisions.append(code)
        else:
            counts.ignored += 1
    if len(divisions) > 1:
        ctx.report.notice("students_several_divisions", f"ELEVE_ID {eleve_id} : {', '.join(divisions)}")
    return divisions[0] if divisions else None


def import_students(reader: ExportReader, ctx: ImportContext) -> None:
    staged = StagingTable("student", STUDENT_COLUMNS)
    structures = StagingTable("structure", {"eleve_id": "text NOT NULL", "division_id": "bigint NOT NULL"})
    for elem in reader.records({"ELEVE", "STRUCTURES_ELEVE"}):
        if elem.tag == "ELEVE":
            row = _student_row(fields(elem), ctx)
            if row:
                staged.add(*row)
        else:
            eleve_id = text(elem.get("ELEVE_ID"))
            code = _division_of(elem, ctx, eleve_id)
            if eleve_id and code:
                structures.add(eleve_id, ctx.division_id(code))
    for row in staged.drop_duplicates("eleve_id"):
        ctx.report.reject(
            "élève", f"ELEVE_ID {row[0]}", "ELEVE_ID en double dans le fichier (seul le premier est repris)"
        )
    for row in structures.drop_duplicates("eleve_id"):
        ctx.report.notice("students_several_divisions", f"ELEVE_ID {row[0]} : plusieurs structures D")
    staged.index("eleve_id")
    structures.index("eleve_id")
    ctx.report.export_students["students"] = fetch_all(f"SELECT COUNT(*) FROM {staged.name}")[0][0]  # noqa: S608
    _merge(staged, structures, ctx)
    _mark_vanished_as_left(staged, ctx)
    staged.drop()
    structures.drop()


def _merge(staged: StagingTable, structures: StagingTable, ctx: ImportContext) -> None:
    counts = ctx.report.counts["students"]
    cols = ", ".join(f"s.{c}" for c in STUDENT_COLUMNS)
    sql = (
        f"SELECT s.seq, {cols}, d.division_id FROM {staged.name} s "  # noqa: S608 — fixed identifiers
        f"LEFT JOIN {structures.name} d ON d.eleve_id = s.eleve_id "
        "WHERE s.seq > %s ORDER BY s.seq LIMIT %s"
    )

    newly_left: list[int] = []

    def prepare(obj: Student, changed: list[str] | None) -> None:
        obj.search_name = search_key(obj.last_name)
        if obj.has_left and (changed is None or "has_left" in changed):
            counts.left += 1
            if changed is not None:  # present until this import
                ctx.report.students_leaving += 1
                newly_left.append(obj.pk)
            ctx.report.notice("students_left", f"{obj.last_name} {obj.first_name} (ELEVE_ID {obj.siecle_id})")

    for page in keyset_pages(sql, []):
        rows: dict[str, dict[str, Any]] = {}
        for _seq, eleve_id, elenoet, ine, last, first, birth, sex, mef, entry, leaving, division_id in page:
            leaving_date = datetime.date.fromisoformat(leaving) if leaving else None
            has_left = bool(leaving_date and leaving_date < ctx.today)
            if len(ine or "") > Student._meta.get_field("ine").max_length:
                ctx.report.notice(
                    "students_without_ine", f"{last} {first} (ELEVE_ID {eleve_id}, INE invalide non repris)"
                )
                ine = ""
            elif not ine:
                ctx.report.notice("students_without_ine", f"{last} {first} (ELEVE_ID {eleve_id})")
            if division_id is None and not has_left:
                ctx.report.notice("students_without_division", f"{last} {first} (ELEVE_ID {eleve_id})")
            rows[eleve_id] = {
                "elenoet": elenoet or "",
                "ine": ine or "",
                "last_name": last,
                "first_name": first or "",
                "birth_date": datetime.date.fromisoformat(birth) if birth else None,
                "sex": sex or "",
                "mef_id": ctx.mef_id(mef or ""),
                "division_id": division_id,
                "entry_date": datetime.date.fromisoformat(entry) if entry else None,
                "leaving_date": leaving_date,
                "has_left": has_left,
            }
        created_ids, _ = merge_page(
            model=Student, school=ctx.school, key="siecle_id", rows=rows, counts=counts, prepare=prepare
        )
        if created_ids:
            students_created.send(sender=type(ctx.school), school=ctx.school, student_ids=created_ids)
        if newly_left:
            students_left.send(sender=type(ctx.school), school=ctx.school, student_ids=list(newly_left))
            newly_left.clear()


def _mark_vanished_as_left(staged: StagingTable, ctx: ImportContext) -> None:
    """Students of the school missing from the export have left it: marked, never deleted."""
    vanished = Student.objects.filter(school=ctx.school, has_left=False).exclude(
        siecle_id__in=RawSQL(f"SELECT eleve_id FROM {staged.name}", [])  # noqa: S608, S611 — fixed identifier
    )
    details = [
        f"{last} {first} (ELEVE_ID {siecle_id}, absent de l'export)"
        for last, first, siecle_id in vanished.values_list("last_name", "first_name", "siecle_id").order_by("pk")[:200]
    ]
    left_ids = list(vanished.values_list("pk", flat=True))
    count = Student.objects.filter(pk__in=left_ids).update(has_left=True, updated_at=timezone.now())
    if left_ids:
        students_left.send(sender=type(ctx.school), school=ctx.school, student_ids=left_ids)
    ctx.report.counts["students"].left += count
    ctx.report.students_leaving += count
    ctx.report.notice_many("students_left", details, total=count)

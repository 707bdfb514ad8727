"""BEE_RESPONSABLES (ResponsablesAvecAdresses): guardians, their addresses, their links to students.

Legal rank. Since 30/03/2018 an export gives each link a NIVEAU_RESPONSABILITE (1 legal
representative, 2 person in charge, 3 contact) and no rank: legal 1 and legal 2 are then the
persons at level 1, in this stable order: CODE_PARENTE ascending (10 mother before 20 father,
as Gepi does), then PERSONNE_ID ascending (numerically); a third level-1 person becomes
another contact (rank 0) and is reported. Older exports give RESP_LEGAL 0/1/2, taken as is
(a second person claiming the same rank takes the free one, or 0). Levels 2 and 3 are rank 0.

A link missing from a newer export is kept with rank 0 (never deleted: codes reference it);
a link that falls from rank 1/2 to 0 is announced with `links_lost_legal_rank`, so the code
owner invalidates its code and answers how many valid (and notified) codes that was, for the
report and the safeguards. Guardians are never deleted either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..models import LEGAL_RANKS, Guardian, GuardianLink, LegalRank, Student
from ..signals import CodesInvalidated, links_lost_legal_rank
from .context import ImportContext
from .reading import ExportReader, fields
from .staging import StagingTable, fetch_all, keyset_pages
from .values import code_sort_key, parse_civility, parse_email
from .writer import fit, merge_page

PERSON_COLUMNS = {
    "personne_id": "text NOT NULL",
    "civility": "text",
    "last_name": "text",
    "first_name": "text",
    "email": "text",
    "raw_email": "text",
    "mobile_phone": "text",
    "address_id": "text",
}
ADDRESS_COLUMNS = {
    "address_id": "text NOT NULL",
    "line1": "text",
    "line2": "text",
    "line3": "text",
    "line4": "text",
    "postcode": "text",
    "city": "text",
    "country": "text",
}
LINK_COLUMNS = {
    "eleve_id": "text NOT NULL",
    "personne_id": "text NOT NULL",
    "level": "integer",
    "resp_legal": "integer",
    "relationship": "text",
}


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def import_guardians(reader: ExportReader, ctx: ImportContext) -> None:
    persons = StagingTable("person", PERSON_COLUMNS)
    addresses = StagingTable("address", ADDRESS_COLUMNS)
    links = StagingTable("link", LINK_COLUMNS)
    for elem in reader.records({"PERSONNE", "RESPONSABLE_ELEVE", "ADRESSE"}):
        values = fields(elem)
        if elem.tag == "PERSONNE":
            _stage_person(values, persons, ctx)
        elif elem.tag == "ADRESSE":
            if values.get("ADRESSE_ID"):
                addresses.add(
                    values["ADRESSE_ID"],
                    *(values.get(f"LIGNE{i}_ADRESSE", "") for i in range(1, 5)),
                    values.get("CODE_POSTAL", ""),
                    values.get("LIBELLE_POSTAL") or values.get("COMMUNE_ETRANGERE", ""),
                    values.get("LL_PAYS", ""),
                )
        else:
            _stage_link(values, links, ctx)
    for row in persons.drop_duplicates("personne_id"):
        ctx.report.reject("responsable", f"PERSONNE_ID {row[0]}", "PERSONNE_ID en double dans le fichier")
    addresses.drop_duplicates("address_id")
    for row in links.drop_duplicates("eleve_id, personne_id"):
        ctx.report.reject("lien", f"ELEVE_ID {row[0]} / PERSONNE_ID {row[1]}", "lien en double dans le fichier")
    persons.index("personne_id")
    addresses.index("address_id")
    links.index("eleve_id")
    ctx.report.export_students["guardians"] = fetch_all(f"SELECT COUNT(DISTINCT eleve_id) FROM {links.name}")[0][0]  # noqa: S608
    _merge_guardians(persons, addresses, ctx)
    _merge_links(links, ctx)
    for table in (persons, addresses, links):
        table.drop()


def _stage_person(values: dict[str, str], persons: StagingTable, ctx: ImportContext) -> None:
    personne_id = values.get("PERSONNE_ID", "")
    last_name = values.get("NOM_DE_FAMILLE") or values.get("NOM") or values.get("NOM_USAGE", "")
    if not personne_id:
        ctx.report.reject("responsable", last_name or "?", "PERSONNE_ID absent")
        return
    if not last_name:
        ctx.report.reject("responsable", f"PERSONNE_ID {personne_id}", "nom de famille absent")
        return
    raw_email = values.get("MEL", "")
    persons.add(
        personne_id,
        parse_civility(values.get("LC_CIVILITE")),
        last_name,
        values.get("PRENOM", ""),
        parse_email(raw_email),
        raw_email,
        values.get("TEL_PORTABLE", ""),
        values.get("ADRESSE_ID", ""),
    )


def _stage_link(values: dict[str, str], links: StagingTable, ctx: ImportContext) -> None:
    eleve_id, personne_id = values.get("ELEVE_ID", ""), values.get("PERSONNE_ID", "")
    ref = f"ELEVE_ID {eleve_id or '?'} / PERSONNE_ID {personne_id or '?'}"
    if not eleve_id or not personne_id:
        ctx.report.reject("lien", ref, "ELEVE_ID ou PERSONNE_ID absent")
        return
    level = _int_or_none(values.get("NIVEAU_RESPONSABILITE", ""))
    resp_legal = _int_or_none(values.get("RESP_LEGAL", ""))
    if level is None and resp_legal is None:
        ctx.report.reject("lien", ref, "ni NIVEAU_RESPONSABILITE ni RESP_LEGAL")
        return
    links.add(eleve_id, personne_id, level, resp_legal, values.get("CODE_PARENTE", ""))


def _merge_guardians(persons: StagingTable, addresses: StagingTable, ctx: ImportContext) -> None:
    counts = ctx.report.counts["guardians"]
    address_cols = ", ".join(f"a.{c}" for c in ADDRESS_COLUMNS if c != "address_id")
    person_cols = ", ".join(f"p.{c}" for c in PERSON_COLUMNS if c != "address_id")
    sql = (
        f"SELECT p.seq, {person_cols}, {address_cols} FROM {persons.name} p "  # noqa: S608 — fixed identifiers
        f"LEFT JOIN {addresses.name} a ON a.address_id = p.address_id "
        "WHERE p.seq > %s ORDER BY p.seq LIMIT %s"
    )
    for page in keyset_pages(sql, []):
        rows: dict[str, dict[str, Any]] = {}
        for _seq, pid, civility, last, first, email, raw_email, mobile, *address in page:
            if raw_email and not email:
                ctx.report.notice("guardians_bad_email", f"{last} {first} (PERSONNE_ID {pid}) : « {raw_email[:80]} »")
            line1, line2, line3, line4, postcode, city, country = (v or "" for v in address)
            rows[pid] = {
                "civility": civility or "",
                "last_name": last,
                "first_name": first or "",
                "email": email or "",
                "mobile_phone": mobile or "",
                "address_line1": line1,
                "address_line2": line2,
                "address_line3": line3,
                "address_line4": line4,
                "postcode": postcode,
                "city": city,
                "country": country,
            }
        merge_page(model=Guardian, school=ctx.school, key="siecle_id", rows=rows, counts=counts)


def _ranks(entries: list[dict[str, Any]]) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Legal rank of each guardian id of one student; and the legal ones that got no rank."""
    ranks = {e["guardian_id"]: LegalRank.OTHER for e in entries}
    overflow: list[dict[str, Any]] = []

    def order(e: dict[str, Any]) -> tuple:
        return (code_sort_key(e["relationship"] or ""), code_sort_key(e["personne_id"]))

    new_format = [e for e in entries if e["level"] is not None]
    legal = sorted((e for e in new_format if e["level"] == 1), key=order)
    for rank, e in enumerate(legal, start=1):
        if rank <= 2:
            ranks[e["guardian_id"]] = rank
        else:
            overflow.append(e)
    old_format = [e for e in entries if e["level"] is None and e["resp_legal"] in LEGAL_RANKS]
    taken = {r for r in ranks.values() if r}
    for e in sorted(old_format, key=lambda e: (e["resp_legal"], *order(e))):
        wanted = (
            e["resp_legal"] if e["resp_legal"] not in taken else next((r for r in LEGAL_RANKS if r not in taken), 0)
        )
        if wanted:
            ranks[e["guardian_id"]] = wanted
            taken.add(wanted)
        else:
            overflow.append(e)
    return ranks, overflow


def _merge_links(links: StagingTable, ctx: ImportContext) -> None:
    counts = ctx.report.counts["links"]
    student_table, guardian_table = Student._meta.db_table, Guardian._meta.db_table
    ids_sql = f"SELECT DISTINCT eleve_id FROM {links.name} WHERE eleve_id > %s ORDER BY eleve_id LIMIT %s"  # noqa: S608
    rows_sql = (
        f"SELECT l.eleve_id, l.personne_id, l.level, l.resp_legal, l.relationship, s.id, g.id "  # noqa: S608
        f"FROM {links.name} l "
        f"LEFT JOIN {student_table} s ON s.school_id = %s AND s.siecle_id = l.eleve_id "
        f"LEFT JOIN {guardian_table} g ON g.school_id = %s AND g.siecle_id = l.personne_id "
        "WHERE l.eleve_id >= %s AND l.eleve_id <= %s ORDER BY l.eleve_id, l.seq"
    )
    for id_page in keyset_pages(ids_sql, [], start=""):
        first, last = id_page[0][0], id_page[-1][0]
        by_student: dict[int, list[dict[str, Any]]] = {}
        for eleve_id, pid, level, resp_legal, relationship, student_id, guardian_id in fetch_all(
            rows_sql, [ctx.school.pk, ctx.school.pk, first, last]
        ):
            ref = f"ELEVE_ID {eleve_id} / PERSONNE_ID {pid}"
            if student_id is None:
                ctx.report.reject("lien", ref, "élève inconnu (absent de la base et de l'export élèves)")
                continue
            if guardian_id is None:
                ctx.report.reject("lien", ref, "responsable absent de la liste des personnes")
                continue
            by_student.setdefault(student_id, []).append(
                {
                    "guardian_id": guardian_id,
                    "personne_id": pid,
                    "level": level,
                    "resp_legal": resp_legal,
                    "relationship": relationship or "",
                    "eleve_id": eleve_id,
                }
            )
        _write_links(by_student, ctx, counts)
    _demote_vanished(links, ctx)


def _write_links(by_student: dict[int, list[dict[str, Any]]], ctx: ImportContext, counts) -> None:
    existing: dict[int, dict[int, GuardianLink]] = {}
    for link in GuardianLink.objects.filter(student_id__in=list(by_student)):
        existing.setdefault(link.student_id, {})[link.guardian_id] = link
    now = timezone.now()
    to_create: list[GuardianLink] = []
    to_update: list[GuardianLink] = []
    gone: list[GuardianLink] = []
    lost: list[int] = []
    for student_id, entries in by_student.items():
        ranks, overflow = _ranks(entries)
        for e in overflow:
            ctx.report.notice("links_more_than_two_legal", f"ELEVE_ID {e['eleve_id']} : PERSONNE_ID {e['personne_id']}")
        current = existing.get(student_id, {})
        for e in entries:
            values = fit(GuardianLink, {"legal_rank": ranks[e["guardian_id"]], "relationship": e["relationship"]})
            link = current.pop(e["guardian_id"], None)
            if link is None:
                to_create.append(GuardianLink(student_id=student_id, guardian_id=e["guardian_id"], **values))
            elif link.legal_rank != values["legal_rank"] or link.relationship != values["relationship"]:
                if link.legal_rank and not values["legal_rank"]:
                    lost.append(link.pk)
                link.legal_rank, link.relationship, link.updated_at = values["legal_rank"], values["relationship"], now
                to_update.append(link)
            else:
                counts.unchanged += 1
        # Links of this student that the export no longer lists: kept, as other contacts.
        for link in current.values():
            if link.legal_rank:
                lost.append(link.pk)
                link.legal_rank, link.updated_at = LegalRank.OTHER, now
                gone.append(link)
    GuardianLink.objects.bulk_update(to_update + gone, ["legal_rank", "relationship", "updated_at"], batch_size=500)
    counts.updated += len(to_update)
    counts.left += len(gone)
    GuardianLink.objects.bulk_create(to_create, batch_size=1000)
    counts.created += len(to_create)
    _announce_lost(lost, ctx)


def _demote_vanished(links: StagingTable, ctx: ImportContext) -> None:
    """Legal links of students the export lists no guardian for at all: rank 0, announced."""
    vanished = GuardianLink.objects.filter(student__school=ctx.school, legal_rank__in=LEGAL_RANKS).exclude(
        student__siecle_id__in=RawSQL(f"SELECT eleve_id FROM {links.name}", [])  # noqa: S608, S611 — fixed identifier
    )
    ids = list(vanished.values_list("pk", flat=True))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        GuardianLink.objects.filter(pk__in=chunk).update(legal_rank=LegalRank.OTHER, updated_at=timezone.now())
        ctx.report.counts["links"].left += len(chunk)
        _announce_lost(chunk, ctx)


def _announce_lost(link_ids: Iterable[int], ctx: ImportContext) -> None:
    link_ids = list(link_ids)
    if not link_ids:
        return
    details = GuardianLink.objects.filter(pk__in=link_ids[:50]).values_list(
        "guardian__last_name", "guardian__first_name", "student__last_name", "student__first_name"
    )
    ctx.report.notice_many(
        "links_lost_legal_rank", [f"{g1} {g2} → {s1} {s2}" for g1, g2, s1, s2 in details], total=len(link_ids)
    )
    for _receiver, answer in links_lost_legal_rank.send(sender=type(ctx.school), school=ctx.school, link_ids=link_ids):
        if isinstance(answer, CodesInvalidated):
            ctx.report.codes_were_invalidated(kind=answer.kind, count=answer.count, notified=answer.notified)

"""Bench: the replication's full run against a raw COPY, and a nightly run after 1 % changed.

DESIGN.md targets: the full copy within 3x of a raw COPY of the same rows from one database
to the other; a nightly run after 1 % of students, guardians and codes changed under 5 % of
the full run; memory flat (streaming).

- Data: `seed_demo --schools N --students M` (REPLICATION_BENCH_SCHOOLS, default 50;
  REPLICATION_BENCH_STUDENTS, default 600), then a valid CAR for every pair that may have one
  (the schools' mass creation), in two databases of their own
  (`<bench database>_repl` and `<bench database>_repl_ts`), created here and dropped at the
  end. The academy scale: REPLICATION_BENCH_SCHOOLS=1000 REPLICATION_BENCH_STUDENTS=600.
- Raw baseline: for each copied table, `COPY (SELECT <its columns> FROM <its SIECLE table>
  of the activated schools) TO STDOUT` streamed into `COPY … FROM STDIN` of a temp table on
  the téléservices connection: no rule, no digest, no upsert. The consultation tables (the
  seed writes a term of them) by the replication's own SELECT of the rows published today,
  their rules being joins: the baseline holds every row the full run copies.
- Full run: `replication_run(full=True)` on an empty téléservices side.
- Nightly run: after 1 % of students renamed, 1 % of guardians renamed and 1 % of valid codes
  invalidated (each one SQL statement, journaled by the triggers), `replication_run()`.
- Peak memory: the process's maximum resident set size (ru_maxrss) before and after.

Run alone with `python bench/replication.py`, or through `bench/run.py` (calls `run()`).
"""

from __future__ import annotations

import os
import time

from _databases import in_own_databases, maxrss_mb, seed_or_reuse

SCHOOLS = int(os.environ.get("REPLICATION_BENCH_SCHOOLS", "50"))
STUDENTS = int(os.environ.get("REPLICATION_BENCH_STUDENTS", "600"))
# REPLICATION_BENCH_KEEP=1: keep both databases at the end and reuse them (already seeded) on the
# next run, emptying only the téléservices side's copied tables: to compare runs without reseeding.
KEEP = os.environ.get("REPLICATION_BENCH_KEEP") == "1"


# Per copied table: its columns, and the plain SELECT of the same rows (activated schools).
RAW = {
    "portal_school": ("id, uaj, name", "SELECT x.id, x.uaj, x.name FROM siecle_school x WHERE {activated:x.id}"),
    "portal_mef": (
        "id, school_id, code, label",
        "SELECT id, school_id, code, label FROM siecle_mef x WHERE {activated}",
    ),
    "portal_division": (
        "id, school_id, code, label",
        "SELECT id, school_id, code, label FROM siecle_division x WHERE {activated}",
    ),
    "portal_student": (
        "id, school_id, last_name, first_name, birth_date, mef_id, division_id, access_refused",
        "SELECT id, school_id, last_name, first_name, birth_date, mef_id, division_id, has_left "
        "FROM siecle_student x WHERE NOT has_left AND {activated}",
    ),
    "portal_guardian": (
        "id, school_id, civility, last_name, first_name",
        "SELECT id, school_id, civility, last_name, first_name FROM siecle_guardian x WHERE {activated}",
    ),
    "portal_link": (
        "id, school_id, student_id, guardian_id, legal_rank",
        "SELECT l.id, x.school_id, l.student_id, l.guardian_id, l.legal_rank FROM siecle_guardianlink l "
        "JOIN siecle_student x ON x.id = l.student_id WHERE l.legal_rank IN (1, 2) AND {activated}",
    ),
    "portal_code": (
        "id, school_id, digest, kind, link_id, student_id, created_on",
        "SELECT id, school_id, value_lookup, kind, link_id, student_id, created_at::date "
        "FROM car_activationcode x WHERE is_valid AND {activated}",
    ),
}
_ACTIVATED = (
    "EXISTS (SELECT 1 FROM services_schoolsettings ss WHERE ss.school_id = {col} AND ss.activated_at IS NOT NULL)"
)


def _raw_selects() -> list[tuple[str, str, str]]:
    """(téléservices table, its columns, the plain SELECT of the rows the full run copies).

    The core tables by `RAW`; the consultation tables by the replication's own SELECT of the
    rows published today (their publication rules are joins): the same rows either way.
    """
    from django.utils import timezone

    from replication.tables import consultation_tables, date_literal

    found = [
        (
            table,
            columns,
            select.replace("{activated:x.id}", _ACTIVATED.format(col="x.id")).replace(
                "{activated}", _ACTIVATED.format(col="x.school_id")
            ),
        )
        for table, (columns, select) in RAW.items()
    ]
    today = date_literal("postgresql", timezone.localdate())
    for t in consultation_tables("postgresql"):
        found.append((t.table, ", ".join(t.columns), t.select.replace("{scope}", "TRUE").replace("{today}", today)))
    return found


def _raw_copy(*, shaped: bool = False) -> tuple[float, int]:
    """Seconds and rows of a raw COPY of the copied tables' rows from the SIECLE base to the other.

    Into bare temp tables (the issue's baseline); `shaped`: into temp tables with the indexes and
    unique constraints of the families' tables (`LIKE … INCLUDING INDEXES`, no foreign key).
    """
    from django.db import connections, transaction

    src, dst = connections["default"], connections["teleservices"]
    selects = _raw_selects()
    rows = 0
    start = time.perf_counter()
    with transaction.atomic(using="teleservices"):
        for table, columns, sql in selects:
            with src.cursor() as s, dst.cursor() as d:
                d.execute(f"CREATE TEMP TABLE raw_{table} AS SELECT * FROM {table} WHERE false")  # noqa: S608
                if shaped:
                    d.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
                    for name, definition in d.fetchall():
                        d.execute(
                            definition.replace(f" {name} ", f" raw_{name} ").replace(
                                f" ON public.{table} ", f" ON raw_{table} "
                            )
                        )
                with s.cursor.copy(f"COPY ({sql}) TO STDOUT") as out:
                    with d.cursor.copy(f"COPY raw_{table} ({columns}) FROM STDIN") as into:
                        for block in out:
                            into.write(block)
                d.execute(f"SELECT count(*) FROM raw_{table}")  # noqa: S608
                rows += d.fetchone()[0]
        transaction.set_rollback(True, using="teleservices")
    return time.perf_counter() - start, rows


def _slowest(outcome) -> str:
    return next((line for line in outcome.lines if line.startswith("Étapes")), "no step over 0.01 s")


def _codes_for_every_pair() -> None:
    """A valid CAR for every pair that may have one (the issue's "plus codes for every pair"):
    the school's mass creation (`car_create_bulk`) over all its links, school by school. The
    demo leaves some pairs without a code, as a school in September does. Creates nothing when
    run again (a kept database)."""
    from car.services import car_create_bulk
    from services.selectors import teleservices_open_school_ids
    from siecle.models import LEGAL_RANKS, GuardianLink, School

    start, created = time.perf_counter(), 0
    for school in School.objects.filter(pk__in=teleservices_open_school_ids()).order_by("pk"):
        links = GuardianLink.objects.filter(student__school=school, legal_rank__in=LEGAL_RANKS)
        created += car_create_bulk(school=school, link_ids=links.values_list("pk", flat=True), by=None).created
    print(f"codes for every pair: {created:,} CAR created in {time.perf_counter() - start:.1f} s")


def _change_one_percent() -> dict[str, int]:
    from django.db import connection

    from replication.models import Run

    changed = {}
    # Another 1 % each time the databases are reused (REPLICATION_BENCH_KEEP=1).
    part = Run.objects.count() % 100
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE siecle_student SET first_name = first_name || 'e' WHERE id % 100 = {part} AND NOT has_left"  # noqa: S608
        )
        changed["students"] = cursor.rowcount
        cursor.execute(f"UPDATE siecle_guardian SET last_name = last_name || 'E' WHERE id % 100 = {part}")  # noqa: S608
        changed["guardians"] = cursor.rowcount
        cursor.execute(
            f"UPDATE car_activationcode SET is_valid = false, invalidated_at = now() WHERE id % 100 = {part} AND is_valid"  # noqa: S608
        )
        changed["codes"] = cursor.rowcount
    return changed


def run() -> None:
    in_own_databases("repl", _bench, keep=KEEP)


def _bench() -> None:
    from django.db import connection

    from replication.models import Change
    from replication.run import replication_run

    seed_or_reuse(schools=SCHOOLS, students=STUDENTS, keep=KEEP)
    _codes_for_every_pair()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"journal rows written by the seed: {Change.objects.count():,}")

    raw_seconds, raw_rows = _raw_copy()
    print(f"raw COPY SIECLE -> téléservices (bare temp tables): {raw_rows:,} rows in {raw_seconds:.2f} s")
    shaped_seconds, _ = _raw_copy(shaped=True)
    print(f"raw COPY into temp tables with the families' indexes and unique keys: {shaped_seconds:.2f} s")

    rss_before = maxrss_mb()
    outcome = replication_run(full=True, origin="bench")
    assert outcome.ok, "\n".join(outcome.lines)
    full = outcome.run.duration.total_seconds()
    for line in outcome.lines:
        if line.startswith(("Étapes", "Phases")):
            print("  " + line)
    down = outcome.run.counts["down"]
    copied = sum(c["upserted"] for c in down.values())
    print(
        f"full run: {copied:,} rows copied in {full:.2f} s  -> ratio to raw COPY {full / raw_seconds:.2f} (target <= 3)"
        f"; to the raw COPY into indexed tables {full / shaped_seconds:.2f}"
    )
    for kind, c in down.items():
        print(f"  {kind}: {c['upserted']:,}")

    # Twice: the first claim after a full run walks the journal rows it deleted (dead until a
    # vacuum; autovacuum takes them long before the next night), the second is a night's.
    for label in ("run right after", "and once more"):
        again = replication_run(origin="bench")
        print(
            f"{label}: {again.run.journal_rows:,} journal rows, {again.run.changed} rows changed in "
            f"{again.run.duration.total_seconds():.2f} s ({_slowest(again)})"
        )

    changed = _change_one_percent()
    nightly_outcome = replication_run(origin="bench")
    assert nightly_outcome.ok, "\n".join(nightly_outcome.lines)
    nightly = nightly_outcome.run.duration.total_seconds()
    for line in nightly_outcome.lines:
        if line.startswith(("Étapes", "Phases")):
            print("  " + line)
    print(
        f"nightly run after 1 % changed ({', '.join(f'{v:,} {k}' for k, v in changed.items())}): "
        f"{nightly_outcome.run.journal_rows:,} journal rows, {nightly_outcome.run.changed:,} rows changed in "
        f"{nightly:.2f} s -> ratio to the full run {nightly / full:.3f} (target <= 0.05)"
    )
    rss_after = maxrss_mb()
    print(f"peak memory (ru_maxrss): {rss_after:.0f} MB (before the runs {rss_before:.0f} MB)")


if __name__ == "__main__":
    run()

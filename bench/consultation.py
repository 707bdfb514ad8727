"""Bench: the replication of the consultation data (absences, marks, LPC, B2i) against a raw COPY.

- Data: `seed_demo --schools N --students M` (CONSULTATION_BENCH_SCHOOLS, default 50;
  CONSULTATION_BENCH_STUDENTS, default 600), a term of consultation data in every school, in
  two databases of its own (`<bench database>_cons` and `_cons_ts`), dropped at the end. The
  academy scale: CONSULTATION_BENCH_SCHOOLS=1000 CONSULTATION_BENCH_STUDENTS=600 (600,000
  students; the seed alone then takes a long while).
- Raw baseline: for each consultation table, `COPY (<the replication's own SELECT of the rows
  published today>) TO STDOUT` streamed into `COPY … FROM STDIN` of a bare temp table on the
  téléservices connection: the same rules and joins, no staging, no comparison, no upsert.
- Full run: `replication_run(full=True)` on an empty téléservices side (every table); the
  consultation steps' own seconds are summed from the run's per-step timings, read through
  a probe around `_Sides.timed` (a measure only: the run is unchanged).
- Nightly runs: the next day with no change (rows whose publication date was yesterday
  begin to qualify), then after 1 % of the marks changed (one SQL statement, journaled).
- Peak memory: the process's maximum resident set size (ru_maxrss).

Run alone with `python bench/consultation.py`, or `make bench BENCH=consultation`.
"""

from __future__ import annotations

import datetime
import os
import time
from contextlib import contextmanager

from _databases import in_own_databases, maxrss_mb, seed_or_reuse

SCHOOLS = int(os.environ.get("CONSULTATION_BENCH_SCHOOLS", "50"))
# CONSULTATION_BENCH_KEEP=1: keep both databases at the end and reuse them (already seeded) on
# the next run, emptying only the téléservices side's copied tables (the academy seed alone
# takes 22 min on a quiet machine).
KEEP = os.environ.get("CONSULTATION_BENCH_KEEP") == "1"
STUDENTS = int(os.environ.get("CONSULTATION_BENCH_STUDENTS", "600"))
KINDS = ("absence", "mark", "competence", "b2i")


def _raw_copy(today: datetime.date) -> tuple[float, dict[str, int]]:
    """Seconds and rows per table of a raw COPY of today's published consultation rows."""
    from django.db import connections, transaction

    from replication.tables import consultation_tables, date_literal

    src, dst = connections["default"], connections["teleservices"]
    rows: dict[str, int] = {}
    start = time.perf_counter()
    with transaction.atomic(using="teleservices"):
        for t in consultation_tables("postgresql"):
            sql = t.select.replace("{scope}", "TRUE").replace("{today}", date_literal("postgresql", today))
            columns = ", ".join(t.columns)
            with src.cursor() as s, dst.cursor() as d:
                d.execute(f"CREATE TEMP TABLE raw_{t.table} AS SELECT * FROM {t.table} WHERE false")  # noqa: S608
                with s.cursor.copy(f"COPY ({sql}) TO STDOUT") as out:
                    with d.cursor.copy(f"COPY raw_{t.table} ({columns}) FROM STDIN") as into:
                        for block in out:
                            into.write(block)
                d.execute(f"SELECT count(*) FROM raw_{t.table}")  # noqa: S608
                rows[t.kind] = d.fetchone()[0]
        transaction.set_rollback(True, using="teleservices")
    return time.perf_counter() - start, rows


class _StepProbe:
    """Adds up the replication's per-step seconds (`_Sides.timed`) of every run while installed."""

    def __init__(self):
        from replication import run as replication_module

        self.module = replication_module
        self.original = replication_module._Sides.timed
        self.seconds: dict[str, float] = {}
        probe = self

        @contextmanager
        def timed(sides, step: str):
            start = time.monotonic()
            with probe.original(sides, step):
                yield
            probe.seconds[step] = probe.seconds.get(step, 0.0) + time.monotonic() - start

        replication_module._Sides.timed = timed

    def take(self) -> dict[str, float]:
        seconds, self.seconds = self.seconds, {}
        return seconds

    def remove(self) -> None:
        self.module._Sides.timed = self.original


def _consultation_seconds(steps: dict[str, float]) -> float:
    return sum(s for step, s in steps.items() if step.split(" ")[-1] in KINDS)


def _run(label: str, probe: _StepProbe, **options) -> tuple[float, float, dict]:
    from replication.run import replication_run

    outcome = replication_run(origin="bench", **options)
    assert outcome.ok, "\n".join(outcome.lines)
    steps = probe.take()
    seconds = outcome.run.duration.total_seconds()
    down = outcome.run.counts.get("down", {})
    consultation = _consultation_seconds(steps)
    changed = {k: down[k]["upserted"] for k in KINDS if k in down and down[k].get("upserted")}
    print(
        f"{label}: {seconds:.2f} s in all, consultation steps {consultation:.2f} s, "
        f"{outcome.run.journal_rows:,} journal rows, consultation rows written {changed or 0}"
    )
    return seconds, consultation, down


def run() -> None:
    in_own_databases("cons", _bench, keep=KEEP)


def _bench() -> None:
    from django.db import connection
    from django.utils import timezone

    from consultation.models import Absence, B2iValidation, CompetenceValidation, Mark

    seed_or_reuse(schools=SCHOOLS, students=STUDENTS, keep=KEEP)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    base = {
        "absence": Absence.objects.count(),
        "mark": Mark.objects.count(),
        "competence": CompetenceValidation.objects.count(),
        "b2i": B2iValidation.objects.count(),
    }
    print("SIECLE base rows: " + ", ".join(f"{k} {v:,}" for k, v in base.items()))

    today = timezone.localdate()
    raw_seconds, raw_rows = _raw_copy(today)
    print(
        f"raw COPY of the rows published today, SIECLE -> téléservices: {sum(raw_rows.values()):,} rows "
        f"({', '.join(f'{k} {v:,}' for k, v in raw_rows.items())}) in {raw_seconds:.2f} s"
    )

    probe = _StepProbe()
    try:
        rss_before = maxrss_mb()
        full, consultation, down = _run("full run", probe, full=True, today=today)
        copied = {k: down[k]["upserted"] for k in KINDS}
        assert copied == raw_rows, (copied, raw_rows)
        print(
            f"  consultation rows copied: {sum(copied.values()):,}; ratio of the consultation steps to the raw "
            f"COPY {consultation / raw_seconds:.2f}, of the whole full run {full / raw_seconds:.2f}"
        )
        next_day = today + datetime.timedelta(days=1)
        quiet, _, _ = _run("nightly run, the next day, no change", probe, today=next_day)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE consultation_mark SET value = value / 2 WHERE id % 100 = 0 AND status = 'note'")
            print(f"1 % of the marks changed: {cursor.rowcount:,}")
        changed, _, _ = _run("nightly run after 1 % of the marks changed", probe, today=next_day)
        print(
            f"  ratios to the full run: next day {quiet / full:.3f}, after 1 % of the marks changed {changed / full:.3f}"
        )
        print(f"peak memory (ru_maxrss): {maxrss_mb():.0f} MB (before the runs {rss_before:.0f} MB)")
    finally:
        probe.remove()


if __name__ == "__main__":
    run()

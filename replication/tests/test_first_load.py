"""The first load: a full run into empty tables copies straight into them (docs/replication.md).

Its foreign keys and secondary indexes are dropped inside the run's transaction and put back
before its commit; these tests check they are back, that a run leaving an orphan fails and
rolls everything back, and that the next run completes the work.
"""

from __future__ import annotations

import pytest
from django.db import connections

from portal import models as ts
from replication.models import Run
from replication.run import replication_run

from .conftest import assert_in_step, replicate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])

COPIED = ("portal_mef", "portal_division", "portal_student", "portal_guardian", "portal_link", "portal_code")


def ts_schema() -> set[tuple[str, str, str]]:
    """The keys, unique constraints and indexes of the copied tables, with their definitions."""
    with connections["teleservices"].cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) "
            "UNION SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(COPIED), list(COPIED)],
        )
        return set(cursor.fetchall())


def test_a_first_load_puts_back_every_key_and_index(academy):
    before = ts_schema()
    assert any("FOREIGN KEY" in d and "DEFERRABLE INITIALLY DEFERRED" in d for _t, _n, d in before)
    assert not ts.Code.objects.exists()
    run = replicate(full=True)
    assert ts.Code.objects.exists() and ts.Link.objects.exists()
    assert ts_schema() == before
    assert_in_step()
    assert run.counts["down"]["code"]["upserted"] == ts.Code.objects.count()
    # The unique digest is enforced again: a second row with the same digest is refused.
    code = ts.Code.objects.first()
    with pytest.raises(Exception, match="digest"):
        with connections["teleservices"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO portal_code (id, school_id, digest, kind, link_id, student_id, created_on) "
                "SELECT id + 1000000, school_id, digest, kind, link_id, student_id, created_on "
                "FROM portal_code WHERE id = %s",
                [code.pk],
            )


def test_a_first_load_that_would_leave_an_orphan_fails_and_changes_nothing(academy):
    before = ts_schema()

    def orphan(stage: str) -> None:
        # Inside the run's téléservices transaction, after the rows went in: a student whose
        # links and codes stay (what a bug in the qualifying rules would do).
        if stage == "after_staging":
            with connections["teleservices"].cursor() as cursor:
                cursor.execute("DELETE FROM portal_student WHERE id = %s", [academy.current.pk])

    outcome = replication_run(full=True, hook=orphan)
    assert outcome.run.status == Run.Status.FAILED
    assert "foreign key" in outcome.run.error
    # Rolled back: nothing copied, every key and index as before, the journal kept.
    assert not ts.Student.objects.exists() and not ts.Code.objects.exists()
    assert ts_schema() == before
    replicate(full=True)
    assert ts.Student.objects.filter(pk=academy.current.pk).exists()
    assert_in_step()


def test_a_full_run_over_a_filled_side_keeps_the_keys_and_fixes_what_differs(academy):
    replicate(full=True)
    before = ts_schema()
    ts.Code.objects.filter(pk=ts.Code.objects.first().pk).delete()
    ts.Student.objects.filter(pk=academy.current.pk).update(first_name="Faux")
    run = replicate(full=True)
    assert run.changed == 2
    assert ts_schema() == before
    assert_in_step()


def test_families_can_read_during_a_full_run_over_a_filled_side(academy):
    """Only a true first load (every copied table empty) takes the tables' locks."""
    import psycopg

    replicate(full=True)
    assert not ts.NotesDeadline.objects.exists()  # an empty table among filled ones
    read = {}

    def reader(stage: str) -> None:
        if stage != "before_teleservices_commit":
            return
        params = connections["teleservices"].get_connection_params()
        with psycopg.connect(**params, autocommit=True) as other:
            other.execute("SET lock_timeout = '2s'")
            for table in ("portal_school", "portal_mef", "portal_division", "portal_student", "portal_code"):
                read[table] = other.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608

    run = replicate(full=True, hook=reader)
    assert run.changed == 0
    assert read["portal_school"] == ts.School.objects.count() and read["portal_code"] == ts.Code.objects.count()

"""The run: what qualifies, incremental copies, idempotence, --full and --uaj (PostgreSQL in make test)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from cae.services import cae_access_remove
from car.services import car_create_bulk, car_invalidate, car_refusal_record
from codes.models import ActivationCode
from portal import models as ts
from portal.digests import code_digest
from replication import run as run_module
from replication.models import Change, Run
from services.models import SchoolSettings
from services.services import notes_dates_add, notes_mode_set, service_close, welcome_message_update
from siecle.factories import DivisionFactory, GuardianLinkFactory, MefFactory, StudentFactory
from siecle.models import LegalRank, Student

from .conftest import assert_in_step, replicate

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])


def digests_of(**lookup) -> set[str]:
    return {code_digest(c.value) for c in ActivationCode.objects.filter(**lookup)}


def ts_digests() -> set[str]:
    return set(ts.Code.objects.values_list("digest", flat=True))


def test_a_full_run_copies_exactly_what_qualifies_and_nothing_else(academy):
    run = replicate(full=True)
    assert_in_step()
    assert run.status == Run.Status.SUCCEEDED and run.changed > 0
    assert set(ts.School.objects.values_list("uaj", flat=True)) == {academy.school.uaj, academy.other.uaj}
    students = set(ts.Student.objects.values_list("id", flat=True))
    assert academy.current.pk in students and academy.left.pk not in students
    links = set(ts.Link.objects.values_list("id", flat=True))
    assert {academy.legal1.pk, academy.legal2.pk} <= links and academy.contact.pk not in links
    assert academy.contact.guardian_id not in set(ts.Guardian.objects.values_list("id", flat=True))
    # Codes as digests only: no value in clear anywhere on the families' side.
    values = {c.value for c in ActivationCode.objects.all()}
    assert not values & ts_digests()
    assert digests_of(student=academy.current, is_valid=True) <= ts_digests()
    assert not digests_of(school=academy.closed) & ts_digests()
    assert not digests_of(student=academy.left) & ts_digests()
    assert Change.objects.count() == 0


def test_a_run_right_after_a_run_changes_nothing(academy):
    replicate(full=True)
    again = replicate()
    assert (again.changed, again.journal_rows) == (0, 0)
    assert replicate(full=True).changed == 0
    assert "Lignes modifiées côté téléservices : 0." in again.log
    assert_in_step()


def test_a_new_code_reaches_the_families_side_only_with_the_next_run(academy, head):
    replicate(full=True)
    newcomer = GuardianLinkFactory(
        student=academy.current, legal_rank=LegalRank.LEGAL_1, guardian__school=academy.school
    )
    car_create_bulk(school=academy.school, link_ids=[newcomer.pk], by=head)
    new_digest = digests_of(link=newcomer)
    assert new_digest and not new_digest & ts_digests()  # day J: refused on the portal
    run = replicate()
    assert new_digest <= ts_digests()  # J+1
    assert run.counts["down"]["code"]["upserted"] == 1
    assert_in_step()


def test_what_families_lose_is_gone_after_the_next_run(academy, head):
    replicate(full=True)
    refused_pair, invalidated_pair = academy.legal1, academy.legal2
    car_refusal_record(link=refused_pair, by=head)
    invalidated = car_invalidate(link=invalidated_pair, by=head)
    cae_access_remove(student=academy.current, by=head)
    leaver = StudentFactory(school=academy.school, last_name="DEPART")
    leaver_link = GuardianLinkFactory(student=leaver, legal_rank=LegalRank.LEGAL_1, guardian__school=academy.school)
    car_create_bulk(school=academy.school, link_ids=[leaver_link.pk], by=head)
    replicate()
    assert leaver.pk in set(ts.Student.objects.values_list("id", flat=True))
    Student.objects.filter(pk=leaver.pk).update(has_left=True, leaving_date=datetime.date(2026, 11, 28))

    run = replicate()
    assert_in_step()
    assert not ts.Link.objects.filter(id=refused_pair.pk).exists()
    assert code_digest(invalidated.value) not in ts_digests()
    assert ts.Student.objects.get(id=academy.current.pk).access_refused is True
    assert not ts.Code.objects.filter(student_id=academy.current.pk, kind="E").exists()  # no CAE row either
    assert not ts.Student.objects.filter(id=leaver.pk).exists()
    assert not ts.Link.objects.filter(student_id=leaver.pk).exists()
    assert not ts.Code.objects.filter(student_id=leaver.pk).exists()
    assert not ts.Guardian.objects.filter(id=leaver_link.guardian_id).exists()
    assert run.counts["down"]["student"]["deleted"] == 1


def test_a_deactivated_school_is_gone_and_comes_back_whole(academy, head):
    replicate(full=True)
    SchoolSettings.objects.filter(school=academy.school).update(activated_at=None)
    replicate()
    assert_in_step()
    for model in (ts.School, ts.Student, ts.Guardian, ts.Link, ts.Code, ts.Mef, ts.Division):
        column = "id" if model is ts.School else "school_id"
        assert not model.objects.filter(**{column: academy.school.pk}).exists(), model
    SchoolSettings.objects.filter(school=academy.school).update(activated_at=timezone.now())
    replicate()
    assert_in_step()
    assert ts.Student.objects.filter(id=academy.current.pk).exists()


def test_a_closed_service_and_the_notes_dates_follow_the_school(academy, head):
    school = academy.school
    mef, division = MefFactory(school=school, code="MEF3"), DivisionFactory(school=school, code="3Z")
    StudentFactory(school=school, mef=mef, division=division)
    notes_mode_set(school=school, mode="deadline", by=head)
    notes_dates_add(
        school=school,
        date=school.school_year()[0] + datetime.timedelta(days=40),
        couples=[(mef.pk, division.pk)],
        by=head,
    )
    welcome_message_update(school=school, source="Bienvenue aux familles", by=head)
    replicate()
    assert_in_step()
    copied = ts.School.objects.get(id=school.pk)
    assert copied.services == ["notes"] and "Bienvenue aux familles" in copied.welcome_html
    assert ts.NotesDeadline.objects.filter(school_id=school.pk).count() == 1
    service_close(school=school, service="notes", by=head)
    replicate()
    assert_in_step()
    assert ts.School.objects.get(id=school.pk).services == []
    assert not ts.NotesDeadline.objects.filter(school_id=school.pk).exists()


def test_an_incremental_run_copies_only_what_changed(academy):
    replicate(full=True)
    Student.objects.filter(pk=academy.current.pk).update(first_name="Léonie")
    run = replicate()
    assert run.journal_rows == 1
    assert run.counts["down"]["student"] == {"staged": 1, "upserted": 1, "deleted": 0}
    assert run.changed == 1
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "Léonie"
    assert_in_step()


def test_full_removes_what_no_longer_exists_and_an_incremental_run_leaves_it(academy):
    replicate(full=True)
    with connections["teleservices"].cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_student (id, school_id, last_name, first_name, access_refused) "
            "VALUES (987654321, %s, 'ORPHELIN', 'X', false)",
            [academy.school.pk],
        )
    assert replicate().changed == 0
    assert ts.Student.objects.filter(id=987654321).exists()
    run = replicate(full=True)
    assert run.counts["down"]["student"]["deleted"] == 1
    assert not ts.Student.objects.filter(id=987654321).exists()
    assert_in_step()


def test_uaj_limits_the_run_to_that_school_and_leaves_the_others_journal(academy, capsys):
    replicate(full=True)
    Student.objects.filter(pk=academy.current.pk).update(first_name="A")
    elsewhere = Student.objects.get(school=academy.other, last_name="AILLEURS")
    Student.objects.filter(pk=elsewhere.pk).update(first_name="B")
    call_command("replicate", "--uaj", academy.school.uaj)
    out = capsys.readouterr().out
    assert "Lignes modifiées côté téléservices : 1." in out
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "A"
    assert ts.Student.objects.get(id=elsewhere.pk).first_name != "B"
    assert Change.objects.filter(school_id=academy.other.pk).exists()
    replicate()
    assert ts.Student.objects.get(id=elsewhere.pk).first_name == "B"
    assert_in_step()
    call_command("replicate", "--full", "--uaj", academy.other.uaj)
    assert "Lignes modifiées côté téléservices : 0." in capsys.readouterr().out


def test_the_command_refuses_an_unknown_school_with_one_line(academy):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Établissement inconnu : 0000000X") as refused:
        call_command("replicate", "--uaj", "0000000x")
    assert refused.value.returncode == 2
    assert not Run.objects.exists()


def test_a_student_made_current_again_brings_back_his_links_and_codes(academy):
    replicate(full=True)
    before = (
        set(ts.Link.objects.filter(student_id=academy.current.pk).values_list("id", flat=True)),
        set(ts.Code.objects.filter(student_id=academy.current.pk).values_list("id", flat=True)),
    )
    assert before[0] and before[1]
    Student.objects.filter(pk=academy.current.pk).update(has_left=True)
    replicate()
    assert not ts.Link.objects.filter(student_id=academy.current.pk).exists()
    assert not ts.Code.objects.filter(student_id=academy.current.pk).exists()
    Student.objects.filter(pk=academy.current.pk).update(has_left=False)
    run = replicate()
    after = (
        set(ts.Link.objects.filter(student_id=academy.current.pk).values_list("id", flat=True)),
        set(ts.Code.objects.filter(student_id=academy.current.pk).values_list("id", flat=True)),
    )
    assert after == before
    assert run.journal_rows == 1  # one journal row brought the student, his links, guardians and codes
    assert_in_step()


def test_a_renamed_student_brings_nothing_else_one_changing_class_brings_his_rows(academy):
    replicate(full=True)
    Student.objects.filter(pk=academy.current.pk).update(first_name="Léonie")
    renamed = replicate()
    # Nothing of his links and codes depends on his name: they are not looked at again.
    assert renamed.counts["down"]["link"]["staged"] == renamed.counts["down"]["code"]["staged"] == 0
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "Léonie"
    division = DivisionFactory(school=academy.school, code="3Y")
    Student.objects.filter(pk=academy.current.pk).update(division=division)
    moved = replicate()
    links = ts.Link.objects.filter(student_id=academy.current.pk).count()
    codes = ts.Code.objects.filter(student_id=academy.current.pk).count()
    assert links and codes
    assert (moved.counts["down"]["link"]["staged"], moved.counts["down"]["code"]["staged"]) == (links, codes)
    assert ts.Student.objects.get(id=academy.current.pk).division_id == division.pk
    assert_in_step()


def _journal_vacuums() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'replication_change'")
        return cursor.fetchone()[0]


def test_a_run_vacuums_the_journal_once_its_deleted_rows_pile_up(academy, monkeypatch):
    """Claimed journal rows are deleted; until a vacuum the next claim walks them (9.8 s after a
    full run of the academy). A run vacuums the journal itself past a number of dead rows."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    replicate(full=True)
    monkeypatch.setattr(run_module, "JOURNAL_VACUUM_DEAD_ROWS", 10**9)
    before = _journal_vacuums()
    Student.objects.filter(pk=academy.current.pk).update(first_name="Léonie")
    quiet = replicate()
    assert _journal_vacuums() == before
    assert "nettoyage du journal" not in quiet.log
    monkeypatch.setattr(run_module, "JOURNAL_VACUUM_DEAD_ROWS", 1)
    Student.objects.filter(pk=academy.current.pk).update(first_name="Léa")
    cleaned = replicate()
    assert _journal_vacuums() == before + 1
    assert "nettoyage du journal" in cleaned.log
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "Léa"
    assert_in_step()


def test_a_journal_vacuum_that_fails_is_logged_and_the_run_still_succeeds(academy, monkeypatch):
    """The rows went down and their journal rows are gone: the vacuum is housekeeping only."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    replicate(full=True)
    monkeypatch.setattr(run_module, "JOURNAL_VACUUM_DEAD_ROWS", 1)
    monkeypatch.setattr(run_module, "JOURNAL_TABLE", "replication_no_such_table")  # VACUUM fails
    Student.objects.filter(pk=academy.current.pk).update(first_name="Anaïs")
    run = replicate()
    assert "Nettoyage du journal non fait" in run.log
    assert ts.Student.objects.get(id=academy.current.pk).first_name == "Anaïs"
    assert Change.objects.count() == 0
    assert_in_step()

"""The change journal: every write path to a table the families' side needs leaves a journal row.

The journal is written by database triggers (replication/journal.py), so these tests write
through each real path (services, importer, COPY of seed_demo, the Django admin, a raw SQL
statement) and check the rows the next run will read.
"""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from cae.services import cae_access_authorise, cae_access_remove, cae_create_for_students, cae_regenerate
from car.services import car_create_bulk, car_invalidate, car_refusal_lift, car_refusal_record, car_regenerate
from codes.models import ActivationCode, CodeKind
from codes.services import codes_notification_record
from replication.journal import BY_TABLE, JOURNALED, installed_triggers, trigger_names
from replication.models import Change
from services.services import (
    contact_link_update,
    lpc_delay_set,
    notes_dates_add,
    notes_dates_remove,
    notes_mode_set,
    service_close,
    service_open,
    teleservices_activate,
    welcome_message_update,
)
from siecle.factories import DivisionFactory, GuardianLinkFactory, MefFactory, StudentFactory
from siecle.models import Student

pytestmark = pytest.mark.django_db

# What the families' side holds (docs/teleservices-database.md, "Tables copied down"), and the
# SIECLE models each copied table is computed from. A new copied table adds its line here.
SOURCES_OF_COPIED_TABLES = {
    "portal.School": [
        "siecle.School",
        "siecle.Academy",
        "services.SchoolSettings",
        "services.ServiceState",
    ],
    "portal.Mef": ["siecle.Mef"],
    "portal.Division": ["siecle.Division"],
    "portal.Student": ["siecle.Student", "codes.AccessRefusal"],
    "portal.Guardian": ["siecle.Guardian", "siecle.GuardianLink", "siecle.Student"],
    "portal.Link": ["siecle.GuardianLink", "siecle.Student", "codes.AccessRefusal"],
    "portal.Code": ["codes.ActivationCode", "siecle.GuardianLink", "siecle.Student"],
    "portal.NotesDeadline": ["services.NotesPublicationDate"],
    "portal.Absence": ["consultation.Absence", "siecle.Student", "services.ServiceState"],
    "portal.Mark": [
        "consultation.Mark",
        "consultation.Evaluation",
        "siecle.Student",
        "services.SchoolSettings",
        "services.ServiceState",
        "services.NotesPublicationDate",
    ],
    "portal.Competence": ["consultation.CompetenceValidation", "siecle.Student", "services.SchoolSettings"],
    "portal.B2iItem": ["consultation.B2iValidation", "siecle.Student", "services.ServiceState"],
}


def mark() -> int:
    return Change.objects.order_by("-id").values_list("id", flat=True).first() or 0


def journaled_since(since: int) -> set[tuple[str, int, str]]:
    return set(Change.objects.filter(id__gt=since).values_list("label", "row_id", "op"))


def labels_since(since: int) -> set[str]:
    return {label for label, _, _ in journaled_since(since)}


def test_every_copied_table_is_computed_from_journaled_tables_only():
    copied = {f"portal.{m.__name__}" for m in apps.get_app_config("portal").get_models()}
    copied -= {"portal.Account", "portal.Attachment", "portal.CodeAttempt", "portal.FamilySession", "portal.Outbox"}
    assert copied == set(SOURCES_OF_COPIED_TABLES), "a copied table has no sources declared here"
    registered = {j.model for j in JOURNALED}
    for table, sources in SOURCES_OF_COPIED_TABLES.items():
        missing = [s for s in sources if s not in registered]
        assert not missing, f"{table} is computed from {missing}, which are not journaled"
    for entry in JOURNALED:
        assert apps.get_model(entry.model)._meta.db_table == entry.table


def test_every_registered_table_has_its_triggers_installed():
    installed = installed_triggers(connection)
    for entry in JOURNALED:
        missing = set(trigger_names(entry.table)) - installed
        assert not missing, f"{entry.table}: no trigger {sorted(missing)} (a migration must call journal_install)"


def test_a_raw_insert_update_and_delete_are_journaled_with_their_school(school):
    student = StudentFactory(school=school)
    since = mark()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE siecle_student SET last_name = 'RAW' WHERE id = %s", [student.pk])
    assert journaled_since(since) == {("siecle_student", student.pk, "U")}
    assert Change.objects.get(id__gt=since).school_id == school.pk
    link = GuardianLinkFactory(student=student)
    since = mark()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM siecle_guardianlink WHERE id = %s", [link.pk])
    assert journaled_since(since) == {("siecle_guardianlink", link.pk, "D")}
    assert Change.objects.get(id__gt=since).school_id == school.pk


def test_an_update_of_nothing_the_families_see_is_not_journaled(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    link = GuardianLinkFactory(student__school=school)
    car_create_bulk(school=school, link_ids=[link.pk], by=head)
    code = ActivationCode.objects.get(link=link, kind=CodeKind.CAR)
    since = mark()
    codes_notification_record(school=school, code_ids=[code.pk], mode="C", by=head)
    code.refresh_from_db()
    assert code.notified_at is not None
    assert journaled_since(since) == set()
    # A guardian's new e-mail address is no business of the families' side either.
    link.guardian.email = "nouvelle@famille.example"
    link.guardian.save()
    assert journaled_since(since) == set()


def test_the_codes_services_journal_every_code_and_refusal(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    link = GuardianLinkFactory(student__school=school)
    student = link.student

    since = mark()
    car_create_bulk(school=school, link_ids=[link.pk], by=head)
    first = ActivationCode.objects.get(link=link, is_valid=True)
    assert ("car_activationcode", first.pk, "I") in journaled_since(since)

    since = mark()
    regenerated = car_regenerate(link=link, by=head)
    assert {("car_activationcode", first.pk, "U"), ("car_activationcode", regenerated.code.pk, "I")} <= (
        journaled_since(since)
    )

    since = mark()
    car_invalidate(link=link, by=head)
    assert ("car_activationcode", regenerated.code.pk, "U") in journaled_since(since)

    since = mark()
    car_refusal_record(link=link, by=head)
    assert ("siecle_guardianlink", link.pk, "I") in journaled_since(since)
    since = mark()
    car_refusal_lift(link=link, by=head)
    assert ("siecle_guardianlink", link.pk, "D") in journaled_since(since)

    since = mark()
    cae_create_for_students(school=school, student_ids=[student.pk], by=head)
    cae_regenerate(student=student, by=head)
    assert {label for label, _, op in journaled_since(since)} == {"car_activationcode"}
    since = mark()
    cae_access_remove(student=student, by=head)
    assert ("siecle_student", student.pk, "I") in journaled_since(since)
    since = mark()
    cae_access_authorise(student=student, by=head)
    assert ("siecle_student", student.pk, "D") in journaled_since(since)


def test_the_settings_services_journal_the_school_and_the_notes_dates(school, head):
    def school_journaled(since: int) -> bool:
        return any(label == "siecle_school" and row == school.pk for label, row, _ in journaled_since(since))

    for write in (
        lambda: teleservices_activate(school=school, by=head),
        lambda: service_open(school=school, service="notes", by=head),
        lambda: welcome_message_update(school=school, source="Bienvenue !", by=head),
        lambda: contact_link_update(school=school, active=True, email=school.email1, by=head),
        lambda: service_open(school=school, service="lpc", by=head),
        lambda: lpc_delay_set(school=school, days=12, by=head),
        lambda: notes_mode_set(school=school, mode="deadline", by=head),
    ):
        since = mark()
        write()
        assert school_journaled(since), write
    mef, division = MefFactory(school=school), DivisionFactory(school=school)
    StudentFactory(school=school, mef=mef, division=division)
    day = school.school_year()[0] + datetime.timedelta(days=30)
    since = mark()
    notes_dates_add(school=school, date=day, couples=[(mef.pk, division.pk)], by=head)
    assert ("services_notespublicationdate", "I") in {(label, op) for label, _, op in journaled_since(since)}
    since = mark()
    notes_dates_remove(school=school, date=day, couples=[(mef.pk, division.pk)], by=head)
    assert ("services_notespublicationdate", "D") in {(label, op) for label, _, op in journaled_since(since)}
    since = mark()
    service_close(school=school, service="notes", by=head)
    assert school_journaled(since)


def test_the_siecle_import_journals_what_it_creates_and_who_left(tmp_path, school):
    from siecle.tests import test_import_updates as imp

    imp_school = school
    imp_school.uaj = imp.UAJ
    imp_school.save()
    since = mark()
    imp.do_import(imp.write(tmp_path, "v1", imp.students_v1(), imp.persons_v1(), imp.links_v1()))
    labels = labels_since(since)
    assert {"siecle_mef", "siecle_student", "siecle_guardian", "siecle_guardianlink"} <= labels
    students = set(Student.objects.filter(school=school).values_list("pk", flat=True))
    assert {row for label, row, op in journaled_since(since) if label == "siecle_student"} == students

    since = mark()
    imp.do_import(imp.write(tmp_path, "v2", imp.students_v1()[:2]))
    gone = Student.objects.get(school=school, has_left=True)
    assert ("siecle_student", gone.pk, "U") in journaled_since(since)


@pytest.mark.django_db(databases=["default", "teleservices"])
def test_seed_demo_journals_every_copied_kind_through_its_copy_paths(capsys):
    since = mark()
    call_command("seed_demo", "--schools", "2", "--students", "30", "--seed", "3")
    copied_kinds = {
        "siecle_school",
        "siecle_mef",
        "siecle_division",
        "siecle_student",
        "siecle_guardian",
        "siecle_guardianlink",
        "car_activationcode",
    }
    assert copied_kinds <= labels_since(since)
    journaled_students = {row for label, row, _ in journaled_since(since) if label == "siecle_student"}
    assert set(Student.objects.values_list("pk", flat=True)) <= journaled_students
    codes = set(ActivationCode.objects.values_list("pk", flat=True))
    assert codes
    assert codes <= {row for label, row, _ in journaled_since(since) if label == "car_activationcode"}


def test_the_django_admin_journals_a_school_and_an_academy(admin_client, school):
    since = mark()
    url = reverse("admin:siecle_school_change", args=[school.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        name="Collège renommé",
        academy=school.academy_id,
        vie_scolaire_emails="[]",
        uses_notes_module="on",
        uses_absences_module="on",
        uses_lpc_module="on",
        school_year_start="01/09/2026",
        school_year_end="31/08/2027",
    )
    for flag in ("b2i_experimenter",):
        data.pop(flag, None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    school.refresh_from_db()
    assert school.name == "Collège renommé"
    assert ("siecle_school", school.pk, "U") in journaled_since(since)

    since = mark()
    academy = school.academy
    academy.code = "NOUV"
    academy.save()
    assert ("siecle_academy", academy.pk, "U") in journaled_since(since)


def test_the_registry_names_each_table_once():
    assert len(BY_TABLE) == len(JOURNALED)


def test_the_journal_refuses_a_database_it_has_no_triggers_for():
    # A SIECLE base on another engine would replicate nothing: refuse it loudly, never silently.
    from django.core.exceptions import ImproperlyConfigured

    from replication.journal import JOURNALED, journal_sql

    with pytest.raises(ImproperlyConfigured, match="PostgreSQL and SQLite"):
        journal_sql(JOURNALED[0], "mysql")

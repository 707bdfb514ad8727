"""With the code apps listening: new students get their CAE, a former legal guardian loses his
CAR (with history), and nothing an import touches is ever deleted."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from car.services import car_create_bulk, car_refusal_record
from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind
from services.services import service_open, teleservices_activate
from siecle.models import GuardianLink, Student
from siecle.tests.exports import LinkRow, PersonRow, StudentRow
from siecle.tests.test_import_updates import do_import, links_v1, persons_v1, school, students_v1, write  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(school, head, tmp_path):  # noqa: F811 — the school of test_import_updates
    do_import(write(tmp_path, "v1", students_v1(), persons_v1(), links_v1()))
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    legal = GuardianLink.objects.filter(student__school=school, legal_rank__gt=0)
    car_create_bulk(school=school, link_ids=list(legal.values_list("pk", flat=True)), by=head)
    car_refusal_record(link=GuardianLink.objects.get(guardian__siecle_id="2003"), by=head)
    return school


def test_every_imported_student_has_his_cae(imported):
    assert ActivationCode.objects.filter(school=imported, kind=CodeKind.CAE, is_valid=True).count() == 3


def test_a_replaced_guardian_loses_his_car_with_history_and_nothing_is_deleted(imported, head, tmp_path):
    replaced = GuardianLink.objects.get(student__siecle_id="1001", guardian__siecle_id="2002")
    code = ActivationCode.objects.get(link=replaced, is_valid=True)
    codes, events, refusals = ActivationCode.objects.count(), CodeEvent.objects.count(), AccessRefusal.objects.count()
    persons = [*persons_v1(), PersonRow("2005", "LEROY", "Marc", civility="M.", address_id="A1")]
    links = links_v1()
    links[0] = LinkRow("1001", "2005", level=1, relationship="20")

    with CaptureQueriesContext(connection) as queries:
        do_import(write(tmp_path, "v2", students_v1(), persons, links))

    code.refresh_from_db()
    assert not code.is_valid
    assert CodeEvent.objects.filter(code=code, event=EventKind.INVALIDATION).count() == 1
    assert ActivationCode.objects.count() == codes
    assert CodeEvent.objects.count() == events + 1
    assert AccessRefusal.objects.count() == refusals
    deletes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("DELETE") and "tsimp_" not in q["sql"]]
    assert deletes == []


def test_reimporting_the_same_files_leaves_codes_and_history_alone(imported, tmp_path):
    before = sorted(ActivationCode.objects.values_list("pk", "is_valid", "changed_at"))
    events = CodeEvent.objects.count()
    do_import(write(tmp_path, "again", students_v1(), persons_v1(), links_v1()))
    assert sorted(ActivationCode.objects.values_list("pk", "is_valid", "changed_at")) == before
    assert CodeEvent.objects.count() == events


def test_a_guardian_who_becomes_level_2_loses_his_car_and_the_right_to_a_new_one(imported, head, tmp_path):
    demoted = GuardianLink.objects.get(student__siecle_id="1001", guardian__siecle_id="2001")
    code = ActivationCode.objects.get(link=demoted, is_valid=True)
    codes = ActivationCode.objects.count()
    links = links_v1()
    links[1] = LinkRow("1001", "2001", level=2, relationship="10")  # no longer a legal representative

    do_import(write(tmp_path, "v2", students_v1(), persons_v1(), links))

    demoted.refresh_from_db()
    code.refresh_from_db()
    assert demoted.legal_rank == 0
    assert not code.is_valid
    assert list(CodeEvent.objects.filter(code=code).values_list("event", flat=True).order_by("pk"))[-1] == (
        EventKind.INVALIDATION
    )
    assert car_create_bulk(school=imported, link_ids=[demoted.pk], by=head).created == 0
    assert ActivationCode.objects.count() == codes


def test_a_new_student_of_a_newer_export_gets_his_cae_and_the_others_keep_theirs(imported, tmp_path):
    before = dict(ActivationCode.objects.filter(kind=CodeKind.CAE, is_valid=True).values_list("student_id", "pk"))
    students = [*students_v1(), StudentRow("1004", "NOUVEAU", "Noé", mef="10310019110", division="3A")]

    do_import(write(tmp_path, "v2", students, persons_v1(), links_v1()))

    after = dict(ActivationCode.objects.filter(kind=CodeKind.CAE, is_valid=True).values_list("student_id", "pk"))
    new = Student.objects.get(siecle_id="1004")
    assert new.pk in after and len(after) == len(before) + 1
    assert {k: v for k, v in after.items() if k != new.pk} == before

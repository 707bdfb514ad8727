"""End to end: a head revokes on a screen, a real Celery worker removes the access on the families' side.

PostgreSQL (both databases), Redis and a real worker process (`celery_worker`); the code was
replicated before (`replicate_code`), a family is signed in with it (`family_signed_in`).
"""

import pytest
from django.urls import reverse

from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from notifications.tests.conftest import wait_until
from portal import models as ts
from replication.tests.helpers import family_signed_in, replicate_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])]


def gone(model, **lookup) -> bool:
    return not model.objects.filter(**lookup).exists()


def test_invalider_code_removes_the_code_and_ends_the_familys_session(celery_worker, head_client, school):
    link = make_pair(school)
    code = make_car(link)
    replicate_code(code)
    account, session = family_signed_in(code)
    response = head_client.post(reverse("car:pair_action", args=[link.pk, "invalider"]))
    assert response.status_code == 302
    wait_until(lambda: gone(ts.Code, pk=code.pk), what="the code to leave the téléservices database", timeout=30)
    wait_until(lambda: gone(ts.FamilySession, pk=session.pk), what="the family's session to end", timeout=30)
    assert ts.Attachment.objects.filter(account=account, code_id=code.pk).exists()
    assert ts.Link.objects.filter(pk=link.pk).exists()  # the pair itself is not refused


def test_nouveau_code_revokes_the_old_code_at_once_and_the_new_one_waits_for_the_run(
    celery_worker, head_client, school
):
    link = make_pair(school)
    old = make_car(link)
    replicate_code(old)
    _, session = family_signed_in(old)
    assert head_client.post(reverse("car:pair_action", args=[link.pk, "nouveau"])).status_code == 302
    new = ActivationCode.objects.get(link=link, is_valid=True)
    wait_until(lambda: gone(ts.Code, pk=old.pk), what="the old code to leave", timeout=30)
    wait_until(lambda: gone(ts.FamilySession, pk=session.pk), what="the family's session to end", timeout=30)
    assert new.pk != old.pk and gone(ts.Code, pk=new.pk)  # J+1: the new code comes with the night


def test_enlever_lacces_of_a_pair_removes_the_link_and_its_code(celery_worker, head_client, school):
    link = make_pair(school)
    code = make_car(link)
    replicate_code(code)
    _, session = family_signed_in(code)
    assert head_client.post(reverse("car:pair_action", args=[link.pk, "enlever"])).status_code == 302
    wait_until(lambda: gone(ts.Link, pk=link.pk), what="the refused pair to leave", timeout=30)
    assert gone(ts.Code, pk=code.pk)
    wait_until(lambda: gone(ts.FamilySession, pk=session.pk), what="the family's session to end", timeout=30)


def test_enlever_lacces_of_a_student_marks_him_and_removes_his_cae(celery_worker, head_client, school):
    link = make_pair(school)
    car = make_car(link)
    cae = ActivationCode.objects.get(kind=CodeKind.CAE, student=link.student, is_valid=True)
    replicate_code(car), replicate_code(cae)
    _, session = family_signed_in(cae, login="eleve.1")
    _, parent_session = family_signed_in(car, login="parent.1")
    response = head_client.post(reverse("cae:student_action", args=[link.student_id, "enlever"]))
    assert response.status_code == 302
    wait_until(lambda: ts.Student.objects.get(pk=link.student_id).access_refused, what="the refusal", timeout=30)
    assert gone(ts.Code, pk=cae.pk) and gone(ts.FamilySession, pk=session.pk)
    assert ts.Code.objects.filter(pk=car.pk).exists() and ts.FamilySession.objects.filter(pk=parent_session.pk)
    cae.refresh_from_db()
    assert cae.is_valid  # D1: the CAE stays valid on the SIECLE side


def test_an_import_that_marks_a_student_as_left_or_takes_a_rank_away_revokes_at_once(celery_worker, tmp_path):
    from siecle.factories import AcademyFactory, SchoolFactory
    from siecle.models import GuardianLink, Student
    from siecle.tests import test_import_updates as imports

    SchoolFactory(uaj=imports.UAJ, academy=AcademyFactory())
    imports.do_import(imports.write(tmp_path, "v1", imports.students_v1(), imports.persons_v1(), imports.links_v1()))
    leaving = Student.objects.get(siecle_id="1003")
    demoted = GuardianLink.objects.get(student__siecle_id="1002", guardian__siecle_id="2003")
    cae = ActivationCode.objects.get(kind=CodeKind.CAE, student=leaving, is_valid=True)
    car = make_car(demoted)
    replicate_code(cae), replicate_code(car)
    _, session = family_signed_in(car)
    links = imports.links_v1()
    links[2] = imports.LinkRow("1002", "2003", level=2, relationship="10")  # no longer a legal guardian
    imports.do_import(imports.write(tmp_path, "v2", imports.students_v1()[:2], imports.persons_v1(), links))
    wait_until(lambda: gone(ts.Code, pk=cae.pk), what="the left student's code to leave", timeout=30)
    wait_until(lambda: gone(ts.Code, pk=car.pk), what="the former guardian's code to leave", timeout=30)
    wait_until(lambda: gone(ts.FamilySession, pk=session.pk), what="the family's session to end", timeout=30)

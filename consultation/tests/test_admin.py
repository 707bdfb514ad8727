"""The consultation data in the Django admin: read-only lists, filtered by school, searched by name."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from consultation.factories import (
    AbsenceFactory,
    B2iValidationFactory,
    CompetenceValidationFactory,
    EvaluationFactory,
    MarkFactory,
)
from consultation.models import Absence, Mark
from siecle.factories import StudentFactory

pytestmark = pytest.mark.django_db

PAGES = ["absence", "evaluation", "mark", "competencevalidation", "b2ivalidation"]


@pytest.fixture
def admin_client_it(settings) -> Client:
    settings.STAFF_2FA = "off"
    user = get_user_model().objects.create_superuser("root.it", "it@example.org", "Un-mot-de-passe-solide-42")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def data(school, other_school):
    mine = StudentFactory(school=school, last_name="MARTIN", first_name="Léa")
    theirs = StudentFactory(school=other_school, last_name="BERNARD", first_name="Hugo")
    for student in (mine, theirs):
        AbsenceFactory(student=student)
        evaluation = EvaluationFactory(division=student.division, label=f"Contrôle de {student.last_name}")
        MarkFactory(evaluation=evaluation, student=student)
        CompetenceValidationFactory(student=student)
        B2iValidationFactory(student=student)
    return mine, theirs


@pytest.mark.parametrize("page", PAGES)
def test_it_lists_each_kind_and_filters_by_school(admin_client_it, data, school, page):
    everything = admin_client_it.get(f"/admin/consultation/{page}/")
    assert everything.status_code == 200
    filtered = admin_client_it.get(f"/admin/consultation/{page}/?school={school.pk}")
    assert filtered.status_code == 200
    body = filtered.content.decode()
    if page == "evaluation":
        assert "Contrôle de MARTIN" in body and "Contrôle de BERNARD" not in body
    else:
        assert "MARTIN Léa" in body and "BERNARD Hugo" not in body
        assert "BERNARD Hugo" in everything.content.decode()


@pytest.mark.parametrize("page", ["absence", "mark", "competencevalidation", "b2ivalidation"])
def test_it_searches_by_student_name(admin_client_it, data, page):
    body = admin_client_it.get(f"/admin/consultation/{page}/", {"q": "bernard"}).content.decode()
    assert "BERNARD Hugo" in body and "MARTIN Léa" not in body


def test_it_reads_only_no_add_no_change_no_mass_delete(admin_client_it, data):
    absence = Absence.objects.first()
    listing = admin_client_it.get("/admin/consultation/absence/").content.decode()
    assert "delete_selected" not in listing
    assert admin_client_it.get("/admin/consultation/absence/add/").status_code == 403
    detail = admin_client_it.get(f"/admin/consultation/absence/{absence.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    mark = Mark.objects.first()
    assert admin_client_it.post(f"/admin/consultation/mark/{mark.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client_it.post(
        "/admin/consultation/mark/", {"action": "delete_selected", "_selected_action": [mark.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert Mark.objects.filter(pk=mark.pk).exists()


@pytest.mark.parametrize("page", PAGES)
def test_its_lists_take_as_many_queries_for_many_rows_as_for_few(
    admin_client_it, data, school, page, django_assert_max_num_queries
):
    for _ in range(30):
        student = StudentFactory(school=school)
        MarkFactory(student=student, evaluation=EvaluationFactory(division=student.division))
        AbsenceFactory(student=student)
        CompetenceValidationFactory(student=student)
        B2iValidationFactory(student=student)
    with django_assert_max_num_queries(12):
        assert admin_client_it.get(f"/admin/consultation/{page}/").status_code == 200

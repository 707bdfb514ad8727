import datetime

import pytest
from django.urls import reverse

from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind
from codes.services import codes_notification_record
from codes.tests.factories import page_text
from siecle.factories import DivisionFactory, StudentFactory

# The pair and student screens read the account block live in the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

MANAGE = reverse("cae:manage")


def valid_cae(student):
    return ActivationCode.objects.get(kind=CodeKind.CAE, student=student, is_valid=True)


def action_url(student, action):
    return reverse("cae:student_action", args=[student.pk, action])


def test_search_lists_students_with_birth_date_refusal_notification_and_use(head_client, school, head):
    student = StudentFactory(school=school, last_name="Leblanc", birth_date=datetime.date(2011, 12, 14))
    StudentFactory(school=school, last_name="Martin")
    codes_notification_record(
        school=school, code_ids=[valid_cae(student).pk], mode="C", by=head, on=datetime.date(2026, 12, 11)
    )
    response = head_client.get(MANAGE, {"nom": "leb"})
    assert [s.pk for s in response.context["page"].object_list] == [student.pk]
    body = page_text(response)
    assert "14/12/2011" in body and "11/12/2026" in body and "Gérer les codes" in body


def test_search_by_division(head_client, school):
    a = StudentFactory(school=school, division=DivisionFactory(school=school, code="6A"))
    StudentFactory(school=school, division=DivisionFactory(school=school, code="6B"))
    response = head_client.get(MANAGE, {"division": a.division_id})
    assert [s.pk for s in response.context["page"].object_list] == [a.pk]


@pytest.mark.parametrize("size", [3, 45])
def test_the_list_takes_a_constant_number_of_queries(head_client, school, size, django_assert_max_num_queries):
    for i in range(size):
        StudentFactory(school=school, last_name=f"Q{i:03d}")
    with django_assert_max_num_queries(12):
        response = head_client.get(MANAGE, {"nom": "Q"})
    assert len(response.context["page"].object_list) == min(size, 50)


def test_the_student_screen_shows_details_and_code_history(head_client, school):
    student = StudentFactory(school=school, birth_date=datetime.date(2011, 12, 14))
    body = page_text(head_client.get(reverse("cae:student", args=[student.pk])))
    assert "né(e) le 14/12/2011" in body and "Accède aux téléservices" in body
    assert valid_cae(student).display in body and "Création" in body
    assert "Nouveau code" in body and "Retourner à la liste" in body


def test_new_code_replaces_the_valid_student_code(head_client, school):
    student = StudentFactory(school=school)
    old = valid_cae(student)
    body = page_text(head_client.post(action_url(student, "nouveau"), follow=True))
    assert "Un nouveau code valide a été créé" in body
    old.refresh_from_db()
    assert not old.is_valid
    assert valid_cae(student).display in body


def test_removing_the_access_keeps_the_code_valid(head_client, school):
    student = StudentFactory(school=school)
    code = valid_cae(student)
    body = page_text(head_client.post(action_url(student, "enlever"), follow=True))
    assert "son code reste valide" in body and "Autoriser l'accès" in body
    code.refresh_from_db()
    assert code.is_valid
    head_client.post(action_url(student, "autoriser"))
    assert not AccessRefusal.objects.filter(student=student).exists()
    events = list(CodeEvent.objects.filter(student=student).order_by("pk").values_list("event", flat=True))
    assert events == [EventKind.CREATION, EventKind.REFUSAL, EventKind.REFUSAL_LIFTED]


def test_the_students_csv_neutralises_formulas(head_client, school):
    StudentFactory(school=school, last_name="+CMD")
    text = b"".join(head_client.get(reverse("cae:export", args=["eleves"])).streaming_content).decode()
    assert "'+CMD" in text and text.startswith("\ufeffÉlève;")


def test_another_schools_head_gets_404_on_the_student_urls(other_client, school):
    student = StudentFactory(school=school, last_name="Secret")
    code = valid_cae(student)
    assert other_client.get(reverse("cae:student", args=[student.pk])).status_code == 404
    for action in ("nouveau", "enlever", "autoriser"):
        assert other_client.post(action_url(student, action)).status_code == 404
    code.refresh_from_db()
    assert code.is_valid and not AccessRefusal.objects.exists()
    assert "Secret" not in other_client.get(MANAGE, {"nom": "S"}).content.decode()
    text = b"".join(other_client.get(reverse("cae:export", args=["eleves"])).streaming_content).decode()
    assert "Secret" not in text


def test_the_search_hides_students_who_left_and_reads_them_through_a_join(head_client, school):
    """QA: the selection is a join on the school's students (a subquery cost seconds on SQLite)."""
    from cae.selectors import cae_students
    from codes.selectors import Selection

    here = StudentFactory(school=school, last_name="Present")
    StudentFactory(school=school, last_name="Parti", has_left=True)
    response = head_client.get(MANAGE, {"nom": "p"})
    assert [s.pk for s in response.context["page"].object_list] == [here.pk]
    assert "IN (SELECT" not in str(cae_students(school=school, selection=Selection(name_prefix="P")).query).upper()


def test_unknown_students_and_forged_actions_change_nothing(head_client, school):
    student = StudentFactory(school=school)
    code = valid_cae(student)
    assert head_client.get(reverse("cae:student", args=[10**9])).status_code == 404
    assert head_client.post(reverse("cae:student_action", args=[10**9, "nouveau"])).status_code == 404
    assert head_client.post(action_url(student, "supprimer")).status_code == 404
    assert head_client.get(action_url(student, "nouveau")).status_code == 405
    assert head_client.get(f"{MANAGE}abc/").status_code == 404
    code.refresh_from_db()
    assert code.is_valid and ActivationCode.objects.filter(student=student).count() == 1


def test_a_division_of_another_school_in_the_search_lists_nothing(head_client, school, other_school):
    StudentFactory(school=school, last_name="Visible")
    foreign = DivisionFactory(school=other_school)
    response = head_client.get(MANAGE, {"nom": "", "division": foreign.pk})
    assert response.status_code == 200 and response.context["page"] is None
    assert "Visible" not in page_text(response)


def test_accented_names_are_sorted_with_their_letter(head_client, school):
    for name in ("Fabre", "Étienne", "Durand"):
        StudentFactory(school=school, last_name=name)
    response = head_client.get(MANAGE, {"nom": ""})
    assert [s.last_name for s in response.context["page"].object_list] == ["Durand", "Étienne", "Fabre"]


def test_new_code_says_the_old_one_is_invalidated_only_when_there_was_one(head_client, school):
    student = StudentFactory(school=school)
    body = page_text(head_client.post(action_url(student, "nouveau"), follow=True))
    assert "Un nouveau code valide a été créé ; l'ancien code est invalidé." in body
    ActivationCode.objects.filter(student=student).update(is_valid=False)
    body = page_text(head_client.post(action_url(student, "nouveau"), follow=True))
    assert "Un nouveau code valide a été créé." in body and "l'ancien code" not in body


def test_removing_the_access_asks_for_confirmation_first_and_lifting_it_does_not(head_client, school, head):
    from cae.services import cae_access_remove

    student = StudentFactory(school=school)
    body = page_text(head_client.get(reverse("cae:student", args=[student.pk])))
    assert "data-codes-confirm=\"L'élève n'accédera plus aux téléservices." in body
    cae_access_remove(student=student, by=head)
    body = page_text(head_client.get(reverse("cae:student", args=[student.pk])))
    assert "Autoriser l'accès" in body and "data-codes-confirm=\"L'élève n'accédera plus" not in body


def test_a_student_and_his_division_stay_on_one_line_in_the_list(head_client, school):
    StudentFactory(school=school, last_name="DE LA FONTAINE-MARTIN", first_name="Jean-Baptiste", division=None)
    body = page_text(head_client.get(MANAGE, {"nom": "DE LA"}))
    assert '<span class="ts-student">DE LA FONTAINE-MARTIN Jean-Baptiste (—)</span>' in body
    assert 'class="table-responsive"' in body

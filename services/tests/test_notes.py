"""B5: notes publication at the fil de l'eau or at deadlines per (MEF, division) couple."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from services.models import NotesPublicationDate, SettingChange
from services.selectors import notes_couples, notes_publication
from services.services import notes_dates_add, notes_mode_set, service_close, service_open
from siecle.factories import DivisionFactory, MefFactory, StudentFactory
from siecle.models import Student, search_key

pytestmark = pytest.mark.django_db

NOTES = reverse("services:notes")
CONFIRM = reverse("services:notes_confirm")
D1, D2 = datetime.date(2026, 12, 18), datetime.date(2027, 3, 26)


def key(couple):
    return f"{couple[0]}-{couple[1]}"


@pytest.fixture
def deadline(notes_open, head):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    return notes_open


def test_notes_are_published_continuously_by_default(school):
    assert notes_publication(school=school).is_continuous
    assert notes_publication(school=school).dates == {}


def test_the_couples_are_those_of_current_students(school, couples):
    rows = notes_couples(school=school)
    assert [(c.mef_label, c.division_code) for c in rows] == [("3EME", "3A"), ("3EME", "3B"), ("3SEGPA", "3A")]
    assert {(c.mef_id, c.division_id) for c in rows} == set(couples)


def test_the_mode_needs_the_notes_service_open(activated, head):
    with pytest.raises(ValidationError, match="Ouvrez d'abord"):
        notes_mode_set(school=activated, mode="deadline", by=head)


def test_dates_are_added_to_couples_and_read_per_couple(deadline, head, couples):
    assert notes_dates_add(school=deadline, date=D1, couples=couples[:2], by=head) == 2
    assert notes_dates_add(school=deadline, date=D1, couples=couples, by=head) == 1  # only the missing one
    notes_dates_add(school=deadline, date=D2, couples=couples[:1], by=head)
    publication = notes_publication(school=deadline)
    assert publication.mode == "deadline"
    assert publication.dates[couples[0]] == (D1, D2)
    assert publication.dates[couples[2]] == (D1,)
    mef_id, division_id = couples[0]
    assert publication.last_deadline(mef_id=mef_id, division_id=division_id, today=D1) == D1
    assert publication.last_deadline(mef_id=mef_id, division_id=division_id, today=D2) == D2
    assert publication.last_deadline(mef_id=mef_id, division_id=division_id, today=D1.replace(day=1)) is None


def test_dates_need_the_deadline_mode(notes_open, head, couples):
    with pytest.raises(ValidationError, match="à échéance"):
        notes_dates_add(school=notes_open, date=D1, couples=couples, by=head)


def test_a_couple_of_another_school_is_refused(deadline, head, other_school):
    theirs = StudentFactory(school=other_school)
    with pytest.raises(ValidationError, match="n'existe pas"):
        notes_dates_add(school=deadline, date=D1, couples=[(theirs.mef_id, theirs.division_id)], by=head)
    assert not NotesPublicationDate.objects.exists()


def test_closing_the_notes_service_keeps_mode_and_dates(deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    service_close(school=deadline, service="notes", by=head)
    service_open(school=deadline, service="notes", by=head)
    assert notes_publication(school=deadline).mode == "deadline"
    assert len(notes_publication(school=deadline).dates) == 3


def test_the_page_is_greyed_with_a_message_while_the_service_is_closed(head_client, activated):
    page = head_client.get(NOTES).content.decode()
    assert "« Consultation des notes » est fermé" in page
    assert '<fieldset class="mb-3" disabled>' in page
    response = head_client.post(NOTES, {"mode": "deadline"}, follow=True)
    assert "Ouvrez d&#x27;abord le service" in response.content.decode()
    assert notes_publication(school=activated).is_continuous


def test_choosing_deadline_shows_the_couples_table(head_client, notes_open, couples):
    response = head_client.post(NOTES, {"mode": "deadline"}, follow=True)
    page = response.content.decode()
    assert "Type de publication des notes : à échéance." in page
    assert 'id="notes-couples"' in page
    for couple in couples:
        assert f'value="{key(couple)}"' in page
    assert "3 couples MEF / division" in page


def test_the_page_adds_a_date_to_checked_couples(head_client, deadline, couples):
    response = head_client.post(
        NOTES,
        {"action": "add_selected", "add_date": "2026-12-18", "couples": [key(couples[0]), key(couples[2])]},
        follow=True,
    )
    page = response.content.decode()
    assert "Date du 18/12/2026 ajoutée à 2 couple(s) MEF / division." in page
    assert page.count("18/12/2026") >= 3  # message + two rows
    assert set(notes_publication(school=deadline).dates) == {couples[0], couples[2]}
    change = SettingChange.objects.filter(school=deadline, setting="notes_dates").first()
    assert change.new_value == "18/12/2026 ajoutée à 2 couple(s) MEF / division"


def test_the_page_adds_a_date_to_all_couples(head_client, deadline, couples):
    head_client.post(NOTES, {"action": "add_all", "add_date": "2026-12-18"})
    assert set(notes_publication(school=deadline).dates) == set(couples)


def test_the_page_removes_a_date_from_checked_couples_only(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    notes_dates_add(school=deadline, date=D2, couples=couples, by=head)
    response = head_client.post(
        NOTES, {"action": "remove_selected", "remove_date": "2026-12-18", "couples": [key(couples[1])]}, follow=True
    )
    assert "Date du 18/12/2026 supprimée pour 1 couple(s) MEF / division." in response.content.decode()
    dates = notes_publication(school=deadline).dates
    assert dates[couples[1]] == (D2,)
    assert dates[couples[0]] == (D1, D2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add_selected", "add_date": "", "couples": ["x"]}, "Indiquez la date à ajouter."),
        ({"action": "add_selected", "add_date": "2026-12-18"}, "Cochez au moins un couple MEF / division."),
        ({"action": "add_all", "add_date": "pas une date"}, "Saisissez une date valide."),
        ({"action": "remove_selected", "remove_date": ""}, "Choisissez la date à supprimer."),
    ],
)
def test_wrong_date_input_gets_a_french_message_and_keeps_the_form(head_client, deadline, couples, data, message):
    if data.get("couples") == ["x"]:
        data = {**data, "couples": [key(couples[0])]}
    response = head_client.post(NOTES, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Les dates n&#x27;ont pas été modifiées" in page
    assert not NotesPublicationDate.objects.exists()


def test_a_checked_couple_of_another_school_is_not_found(other_client, deadline, couples):
    response = other_client.post(
        NOTES, {"action": "add_selected", "add_date": "2026-12-18", "couples": [key(couples[0])]}
    )
    assert response.status_code == 404
    assert not NotesPublicationDate.objects.exists()


def test_another_school_head_cannot_change_this_mode(other_client, deadline):
    other_client.post(NOTES, {"mode": "continuous"})
    other_client.post(CONFIRM)
    assert notes_publication(school=deadline).mode == "deadline"


def test_going_back_to_continuous_asks_for_confirmation_then_deletes_the_dates(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    response = head_client.post(NOTES, {"mode": "continuous"})
    assert response["Location"] == CONFIRM
    assert notes_publication(school=deadline).mode == "deadline"  # nothing changed yet
    page = head_client.get(CONFIRM).content.decode()
    assert "Les dates de publication vont être supprimées." in page
    assert "les 3 dates saisies" in page
    response = head_client.post(CONFIRM, follow=True)
    assert "3 date(s) de publication supprimée(s)" in response.content.decode()
    assert notes_publication(school=deadline).is_continuous
    assert not NotesPublicationDate.objects.filter(school=deadline).exists()
    settings_changed = list(SettingChange.objects.filter(school=deadline).values_list("setting", flat=True)[:2])
    assert settings_changed == ["notes_mode", "notes_dates"]


def test_declining_the_confirmation_keeps_the_dates(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    page = head_client.get(CONFIRM).content.decode()
    assert f'href="{NOTES}"' in page
    assert NotesPublicationDate.objects.filter(school=deadline).count() == 3


def test_the_confirmation_page_has_nothing_to_confirm_in_continuous_mode(head_client, notes_open):
    assert "rien à confirmer" in head_client.get(CONFIRM).content.decode()


def _big_school(school, n_couples):
    mefs = [MefFactory(school=school, code=f"M{i:03}", label=f"MEF {i}") for i in range(n_couples // 4 + 1)]
    divisions = [DivisionFactory(school=school, code=f"D{i:03}") for i in range(n_couples)]
    students = []
    for i, division in enumerate(divisions):
        for j in range(3):
            students.append(
                Student(
                    school=school,
                    siecle_id=f"S{i}-{j}",
                    last_name="Élève",
                    search_name=search_key("Élève"),
                    first_name=str(j),
                    mef=mefs[i // 4],
                    division=division,
                )
            )
    Student.objects.bulk_create(students)


@pytest.mark.parametrize("n_couples", [5, 100])
def test_the_notes_page_costs_the_same_queries_for_5_or_100_couples(
    head_client, deadline, head, django_assert_max_num_queries, n_couples
):
    _big_school(deadline, n_couples)
    couples = [(c.mef_id, c.division_id) for c in notes_couples(school=deadline)]
    assert len(couples) == n_couples
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    notes_dates_add(school=deadline, date=D2, couples=couples[::2], by=head)
    with django_assert_max_num_queries(10):
        page = head_client.get(NOTES).content.decode()
    assert page.count('name="couples"') == n_couples
    with django_assert_max_num_queries(20):
        head_client.post(NOTES, {"action": "add_all", "add_date": "2027-06-30"})
    assert NotesPublicationDate.objects.filter(school=deadline, date="2027-06-30").count() == n_couples

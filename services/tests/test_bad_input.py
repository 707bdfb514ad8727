"""Regressions from the QA review: bad or forged input never crashes, never half-writes, and
always gets a French answer; rules hold where a careless change would break them."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from services.models import NotesPublicationDate, SchoolSettings, ServiceState, SettingChange
from services.selectors import (
    contact_link,
    letter_settings,
    lpc_delay_days,
    notes_publication,
    open_services,
    welcome_message_source,
)
from services.services import (
    letter_settings_update,
    lpc_delay_set,
    notes_dates_add,
    notes_dates_remove,
    notes_mode_set,
    service_close,
    service_open,
    teleservices_activate,
    welcome_message_update,
)
from siecle.factories import DivisionFactory, EntFactory, MefFactory, StudentFactory

pytestmark = pytest.mark.django_db

OPENING = reverse("services:opening")
NOTES = reverse("services:notes")
CONFIRM = reverse("services:notes_confirm")
WELCOME = reverse("services:welcome_message")
LETTER = reverse("services:letter")
LPC = reverse("services:lpc")
CONTACT = reverse("services:contact")
ALL_CLOSED = {"absences": "closed", "lpc": "closed", "notes": "closed", "b2i": "closed"}
D1 = datetime.date(2026, 12, 18)


def text(response) -> str:
    return html.unescape(response.content.decode())


def key(couple) -> str:
    return f"{couple[0]}-{couple[1]}"


@pytest.fixture
def deadline(notes_open, head):
    notes_mode_set(school=notes_open, mode="deadline", by=head)
    return notes_open


# --- Every screen survives an empty or absurd POST ----------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["opening", "activate", "welcome_message", "letter", "notes", "notes_confirm", "lpc", "contact"],
)
@pytest.mark.parametrize(
    "data",
    [
        {},
        {"absences": "peut-être", "mode": "hebdomadaire", "letter_type": "fax", "days": "x" * 5000},
        {"action": "purge", "couples": ["abc", "1-x", "-", ""], "add_date": "31/02/2026", "remove_date": "hier"},
        {"active": "oui", "email": "pirate@evil.example", "ent": "1 OR 1=1", "message": "\x00", "signatory": "\x00<"},
    ],
)
def test_no_screen_crashes_on_an_empty_or_absurd_post(head_client, deadline, couples, name, data):
    response = head_client.post(reverse(f"services:{name}"), data)
    assert response.status_code in (200, 302)
    assert not NotesPublicationDate.objects.exists()
    assert lpc_delay_days(school=deadline) == 8
    assert [s.code for s in open_services(school=deadline)] == ["notes"]


# --- B2 a service the school no longer claims ---------------------------------------------------


def test_an_open_service_the_school_no_longer_claims_can_be_closed_but_not_reopened(head_client, notes_open):
    notes_open.uses_notes_module = False  # a later SIECLE import: the school left the Notes module
    notes_open.save()
    page = text(head_client.get(OPENING))
    assert "une fois fermé il ne pourra plus être rouvert : l'établissement n'utilise pas le module Notes" in page
    assert 'name="notes"' in page

    response = head_client.post(OPENING, {**ALL_CLOSED, "notes": "open"}, follow=True)
    assert "Aucun changement" in text(response)  # resubmitting the unchanged form is no error
    assert [s.code for s in open_services(school=notes_open)] == ["notes"]

    head_client.post(OPENING, ALL_CLOSED)
    assert open_services(school=notes_open) == []
    page = text(head_client.get(OPENING))
    assert "Ce téléservice ne peut pas être proposé" in page and 'name="notes"' not in page
    head_client.post(OPENING, {**ALL_CLOSED, "notes": "open"})  # forged
    assert open_services(school=notes_open) == []


def test_an_unknown_service_state_gets_a_french_message(head_client, activated):
    response = head_client.post(OPENING, {**ALL_CLOSED, "absences": "peut-être"})
    assert response.status_code == 200
    assert "Choisissez Fermé ou Ouvert." in text(response)
    assert open_services(school=activated) == []


# --- History rows live and die with the change ----------------------------------------------------


def test_a_change_is_undone_when_its_history_row_cannot_be_written(lpc_open, head, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(SettingChange.objects, "create", broken)
    with pytest.raises(RuntimeError):
        lpc_delay_set(school=lpc_open, days=30, by=head)
    with pytest.raises(RuntimeError):
        service_close(school=lpc_open, service="lpc", by=head)
    with pytest.raises(RuntimeError):
        welcome_message_update(school=lpc_open, source="Bonjour", by=head)
    assert lpc_delay_days(school=lpc_open) == 8
    assert ServiceState.objects.get(school=lpc_open, service="lpc").is_open
    assert welcome_message_source(school=lpc_open) == ""


# --- B3 welcome message ---------------------------------------------------------------------------


def test_text_with_angle_brackets_reads_back_as_typed(head_client, school):
    head_client.post(WELCOME, {"message": "Moyenne < 10 & absences > 3 : rendez-vous"})
    assert welcome_message_source(school=school) == "Moyenne < 10 & absences > 3 : rendez-vous"
    assert "Moyenne &lt; 10 &amp; absences &gt; 3 : rendez-vous</textarea>" in head_client.get(WELCOME).content.decode()


def test_a_huge_paste_is_refused_with_a_french_message(head_client, school):
    source = '<a href="https://example.org/' + "p" * 12_000 + '">ici</a>'
    response = head_client.post(WELCOME, {"message": source})
    assert response.status_code == 200
    assert "dépasse 10000 caractères" in text(response)
    assert not SchoolSettings.objects.filter(school=school).exists()


def test_1001_characters_written_as_entities_are_refused(school, head):
    with pytest.raises(ValidationError, match="1001 caractères"):
        welcome_message_update(school=school, source="&amp;" * 1001, by=head)
    welcome_message_update(school=school, source="&amp;" * 1000, by=head)
    assert welcome_message_source(school=school) == "&" * 1000


def test_the_history_shows_the_message_as_families_read_it(head_client, school, head):
    welcome_message_update(school=school, source="Réunion <b>parents</b>\nsalle 3 < 4", by=head)
    page = head_client.get(WELCOME).content.decode()
    assert '<td class="text-break">Réunion parents salle 3 &lt; 4</td>' in page
    assert "&amp;lt;" not in page and "&lt;br&gt;" not in page


# --- B4 letter ------------------------------------------------------------------------------------


def test_the_hidden_ent_list_is_ignored_for_the_teleservices_letter(head_client, school, head):
    response = head_client.post(LETTER, {"letter_type": "teleservices", "ent": "n'importe quoi"}, follow=True)
    assert "Le type de courrier de notification est enregistré." in text(response)
    assert "Sélectionnez un choix valide" not in text(response)
    assert letter_settings(school=school).letter_type == "teleservices"
    assert not SettingChange.objects.filter(setting="letter").exists()  # nothing changed, nothing recorded


@pytest.mark.parametrize("ent", ["abc", "999999", "-1"])
def test_a_forged_ent_gets_a_french_message(head_client, school, ent):
    EntFactory(academy=school.academy)
    response = head_client.post(LETTER, {"letter_type": "ent_only", "ent": ent})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    assert letter_settings(school=school).letter_type == "teleservices"


# --- B5 notes dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-02-31", "31/02/2026", "2026-13-01", "x" * 300, "0000-00-00"])
def test_an_impossible_date_gets_a_french_message_and_keeps_the_checked_couples(head_client, deadline, couples, typed):
    response = head_client.post(NOTES, {"action": "add_selected", "add_date": typed, "couples": [key(couples[1])]})
    assert response.status_code == 200
    page = text(response)
    assert "Saisissez une date valide." in page
    assert f'value="{key(couples[1])}" id="couple-{key(couples[1])}"\n            checked' in page
    assert not NotesPublicationDate.objects.exists()


@pytest.mark.parametrize("typed", ["2062-12-18", "2026-08-31", "2027-09-01"])
def test_a_date_outside_the_school_year_is_refused_and_the_form_kept(head_client, deadline, couples, typed):
    response = head_client.post(NOTES, {"action": "add_all", "add_date": typed})
    assert response.status_code == 200
    page = text(response)
    assert "hors de l'année scolaire 2026-2027 : choisissez une date entre le 01/09/2026 et le 31/08/2027." in page
    assert f'value="{typed}"' in page
    assert not NotesPublicationDate.objects.exists()
    assert not SettingChange.objects.filter(setting="notes_dates").exists()


@pytest.mark.parametrize("day", [datetime.date(2026, 9, 1), datetime.date(2027, 8, 31)])
def test_the_first_and_last_day_of_the_school_year_are_accepted(deadline, head, couples, day):
    assert notes_dates_add(school=deadline, date=day, couples=couples, by=head) == 3


@pytest.mark.parametrize("bad", ["abc", "1-x", "-", "", "1-2-3", "١-٢"])
def test_a_made_up_couple_gets_a_french_message(head_client, deadline, couples, bad):
    response = head_client.post(
        NOTES, {"action": "add_selected", "add_date": "2026-12-18", "couples": [key(couples[0]), bad]}
    )
    assert response.status_code == 200
    assert "Un couple MEF / division choisi n'existe pas dans l'établissement." in text(response)
    assert not NotesPublicationDate.objects.exists()


def test_a_couple_gone_since_the_page_was_loaded_gets_a_french_message_not_a_404(head_client, deadline, couples):
    # A couple of this school whose last student left before the head submitted the page.
    gone = StudentFactory(school=deadline, division=DivisionFactory(school=deadline, code="3G"), has_left=True)
    response = head_client.post(
        NOTES, {"action": "add_selected", "add_date": "2026-12-18", "couples": [f"{gone.mef_id}-{gone.division_id}"]}
    )
    assert response.status_code == 200
    assert "n'existe pas dans l'établissement" in text(response)


def test_a_couple_mixing_this_school_mef_and_another_school_division_is_not_found(
    head_client, deadline, couples, other_school
):
    theirs = StudentFactory(school=other_school)
    forged = f"{couples[0][0]}-{theirs.division_id}"
    response = head_client.post(NOTES, {"action": "add_selected", "add_date": "2026-12-18", "couples": [forged]})
    assert response.status_code == 404
    assert not NotesPublicationDate.objects.exists()


def test_dates_cannot_be_changed_while_the_notes_service_is_closed(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    service_close(school=deadline, service="notes", by=head)
    response = head_client.post(NOTES, {"action": "add_all", "add_date": "2027-03-26"})
    assert "Ouvrez d'abord le service « Consultation des notes »" in text(response)
    head_client.post(NOTES, {"action": "remove_selected", "remove_date": "2026-12-18", "couples": [key(couples[0])]})
    head_client.post(CONFIRM)
    assert notes_publication(school=deadline).mode == "deadline"
    assert NotesPublicationDate.objects.filter(school=deadline).count() == 3


def test_removing_a_date_not_in_use_gets_a_french_message(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    response = head_client.post(
        NOTES, {"action": "remove_selected", "remove_date": "2026-12-25", "couples": [key(couples[0])]}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in text(response)
    assert NotesPublicationDate.objects.filter(school=deadline).count() == 3


def test_removing_a_date_from_couples_without_it_records_nothing(deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples[:1], by=head)
    before = SettingChange.objects.count()
    assert notes_dates_remove(school=deadline, date=D1, couples=couples[1:], by=head) == 0
    assert SettingChange.objects.count() == before


def test_back_to_continuous_deletes_only_this_school_dates(deadline, head, couples, other_school, other_head):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    mef, division = MefFactory(school=other_school), DivisionFactory(school=other_school)
    StudentFactory(school=other_school, mef=mef, division=division)
    teleservices_activate(school=other_school, by=other_head)
    service_open(school=other_school, service="notes", by=other_head)
    notes_mode_set(school=other_school, mode="deadline", by=other_head)
    notes_dates_add(school=other_school, date=D1, couples=[(mef.pk, division.pk)], by=other_head)

    assert notes_mode_set(school=deadline, mode="continuous", by=head) == 3
    assert NotesPublicationDate.objects.filter(school=other_school).count() == 1
    assert notes_publication(school=other_school).mode == "deadline"


# --- B7 LPC, B8 contact -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("99999999999999999999999", "Le délai est d'au plus 365 jours."),
        ("1e3", "Le délai s'écrit en chiffres"),
        (" 12 ", None),
        ("-0", "Le délai est d'au moins 2 jours."),
    ],
)
def test_odd_lpc_delays(head_client, lpc_open, typed, message):
    response = head_client.post(LPC, {"days": typed}, follow=True)
    if message is None:
        assert lpc_delay_days(school=lpc_open) == 12
    else:
        assert message in text(response)
        assert lpc_delay_days(school=lpc_open) == 8


def test_the_lpc_delay_is_kept_through_closing_and_reopening(head_client, lpc_open, head):
    head_client.post(LPC, {"days": "21"})
    head_client.post(OPENING, ALL_CLOSED)
    assert lpc_delay_days(school=lpc_open) == 21
    head_client.post(OPENING, {**ALL_CLOSED, "lpc": "open"})
    page = head_client.get(LPC).content.decode()
    assert 'value="21"' in page and "<fieldset disabled>" not in page


@pytest.fixture
def with_emails(school):
    school.email1, school.email2, school.vie_scolaire_emails = "ce@lycee.example", "", []
    school.save()
    return school


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"active": "1", "email": "ce@other.example"}, "Choisissez une adresse de l'établissement."),
        ({"active": "oui", "email": "ce@lycee.example"}, "Sélectionnez un choix valide"),
        ({"active": "1", "email": ""}, "Un lien de contact actif demande une adresse de réception."),
    ],
)
def test_forged_contact_choices_get_a_french_message(head_client, with_emails, data, message):
    response = head_client.post(CONTACT, data)
    assert response.status_code == 200
    assert message in text(response)
    assert contact_link(school=with_emails).active is False
    assert not SettingChange.objects.filter(setting="contact").exists()


def test_the_contact_address_of_another_school_is_refused(head_client, with_emails, other_school):
    other_school.email1 = "ce@autre.example"
    other_school.save()
    head_client.post(CONTACT, {"active": "1", "email": "ce@autre.example"})
    assert contact_link(school=with_emails).email == ""


# --- Query counts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "services:opening",
        "services:welcome_message",
        "services:letter",
        "services:notes_confirm",
        "services:absences",
        "services:lpc",
        "services:contact",
    ],
)
def test_the_screens_cost_a_fixed_number_of_queries(head_client, activated, head, name, django_assert_max_num_queries):
    for code in ("absences", "lpc", "notes"):
        service_open(school=activated, service=code, by=head)
    for days in range(10, 40):
        lpc_delay_set(school=activated, days=days, by=head)  # a long history: only the last rows are read
        welcome_message_update(school=activated, source=f"Message {days}", by=head)
    for n in range(5):
        EntFactory(academy=activated.academy, description=f"ENT {n}")
    with django_assert_max_num_queries(12):
        assert head_client.get(reverse(name)).status_code == 200


def test_the_confirmation_page_says_the_notes_service_is_closed_instead_of_offering_to_delete(
    head_client, deadline, head, couples
):
    notes_dates_add(school=deadline, date=D1, couples=couples, by=head)
    service_close(school=deadline, service="notes", by=head)
    page = text(head_client.get(CONFIRM))
    assert "« Consultation des notes » est fermé" in page and "Les dates saisies sont conservées." in page
    assert "Oui, publier au fil de l'eau" not in page


def test_clearing_the_welcome_message_is_allowed_and_recorded(head_client, school, head):
    welcome_message_update(school=school, source="Bonjour", by=head)
    head_client.post(WELCOME, {"message": "  \r\n "})
    assert welcome_message_source(school=school) == ""
    change = SettingChange.objects.filter(school=school, setting="welcome_message").first()
    assert (change.old_value, change.new_value) == ("Bonjour", "")


def test_the_django_admin_only_reads_the_settings_and_their_history(admin_client, activated):
    for model in ("schoolsettings", "servicestate", "notespublicationdate", "settingchange"):
        assert admin_client.get(reverse(f"admin:services_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:services_{model}_add")).status_code == 403
    row = SchoolSettings.objects.get(school=activated)
    response = admin_client.post(
        reverse("admin:services_schoolsettings_change", args=[row.pk]), {"welcome_message": "<script>x</script>"}
    )
    assert response.status_code == 403


def test_back_to_continuous_without_any_date_needs_no_confirmation(head_client, deadline):
    response = head_client.post(NOTES, {"mode": "continuous"}, follow=True)
    assert "Type de publication des notes : au fil de l'eau." in text(response)
    assert notes_publication(school=deadline).is_continuous


def test_the_confirmation_counts_a_single_date_in_the_singular(head_client, deadline, head, couples):
    notes_dates_add(school=deadline, date=D1, couples=couples[:1], by=head)
    page = " ".join(text(head_client.get(CONFIRM)).split())
    assert "la date saisie pour un couple MEF / division sera définitivement effacée" in page


def test_the_django_admin_cannot_delete_a_service_state_or_a_setting(admin_client, notes_open):
    state = ServiceState.objects.get(school=notes_open, service="notes", is_open=True)
    response = admin_client.post(reverse("admin:services_servicestate_delete", args=[state.pk]), {"post": "yes"})
    assert response.status_code == 403
    row = SchoolSettings.objects.get(school=notes_open)
    response = admin_client.post(reverse("admin:services_schoolsettings_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 403
    state.refresh_from_db()
    assert state.is_open
    assert SchoolSettings.objects.filter(pk=row.pk).exists()


def test_the_ent_of_a_schools_letter_cannot_be_deleted_behind_its_history(admin_client, activated, head):
    from django.db.models import ProtectedError

    from siecle.models import Ent

    ent = EntFactory(academy=activated.academy)
    letter_settings_update(school=activated, letter_type="ent_only", ent=ent, by=head)
    with pytest.raises(ProtectedError):
        ent.delete()
    academy = activated.academy
    url = reverse("admin:siecle_academy_change", args=[academy.pk])
    data = {
        "code": academy.code,
        "name": academy.name,
        "teleservices_url": academy.teleservices_url,
        "ents-TOTAL_FORMS": "1",
        "ents-INITIAL_FORMS": "1",
        "ents-MIN_NUM_FORMS": "0",
        "ents-MAX_NUM_FORMS": "1000",
        "ents-0-id": ent.pk,
        "ents-0-academy": academy.pk,
        "ents-0-location": ent.location,
        "ents-0-description": ent.description,
        "ents-0-url": ent.url,
        "ents-0-DELETE": "on",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the reason
    page = html.unescape(response.content.decode())
    assert "protégé" in page
    assert Ent.objects.filter(pk=ent.pk).exists()
    assert SchoolSettings.objects.get(school=activated).letter_ent == ent

"""B4: the signatory of the letters, the head's name printed under "Le chef d'établissement"."""

import html
import re

import pytest
from django.urls import reverse

from services.models import SettingChange
from services.selectors import letter_settings, letter_signatory
from services.services import TeleserviceError, letter_settings_update, letter_signatory_update
from siecle.factories import EntFactory

pytestmark = pytest.mark.django_db

LETTER = reverse("services:letter")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_no_signatory_is_set_by_default(school, head_client):
    assert letter_signatory(school=school) == ""
    page = text(head_client.get(LETTER))
    assert "Signataire des courriers" in page
    assert re.search(r'id="id_signatory"[^>]*value=""', page)


def test_the_signatory_is_saved_plain_with_a_history_row(school, head):
    letter_signatory_update(school=school, name="  Mme\u00a0 Claire   Martin ", by=head)
    assert letter_signatory(school=school) == "Mme Claire Martin"
    change = SettingChange.objects.get(school=school, setting="letter_signatory")
    assert (change.old_value, change.new_value, change.changed_by) == ("", "Mme Claire Martin", head)

    letter_signatory_update(school=school, name="M. Paul Durand", by=head)
    letter_signatory_update(school=school, name="M. Paul Durand ", by=head)  # the same name: nothing recorded
    latest = SettingChange.objects.filter(school=school, setting="letter_signatory")
    assert [(c.old_value, c.new_value) for c in latest] == [
        ("Mme Claire Martin", "M. Paul Durand"),
        ("", "Mme Claire Martin"),
    ]


def test_the_signatory_can_be_set_before_teleservices_are_activated_and_cleared(school, head):
    letter_signatory_update(school=school, name="Mme Claire Martin", by=head)
    letter_signatory_update(school=school, name="   ", by=head)
    assert letter_signatory(school=school) == ""
    assert SettingChange.objects.filter(school=school, setting="letter_signatory").first().new_value == ""


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Mme Claire\tMartin", "ni tabulation, ni retour à la ligne"),
        ("Mme Claire\nMartin", "ni tabulation, ni retour à la ligne"),
        ("Mme Claire\u200bMartin", "ni caractère invisible"),
        ("Mme \u202eClaire Martin", "ni caractère invisible"),
        ('<img src="http://127.0.0.1/x">', "les signes < et >"),
        ("Martin > Durand", "les signes < et >"),
        ("M" * 101, "compte 101 caractères ; 100 au plus"),
    ],
)
def test_the_service_refuses_what_a_printed_name_cannot_hold(school, head, typed, message):
    letter_signatory_update(school=school, name="Mme Claire Martin", by=head)
    with pytest.raises(TeleserviceError, match=message):
        letter_signatory_update(school=school, name=typed, by=head)
    assert letter_signatory(school=school) == "Mme Claire Martin"
    assert SettingChange.objects.filter(school=school, setting="letter_signatory").count() == 1


def test_100_characters_are_accepted(school, head):
    letter_signatory_update(school=school, name="M" * 100, by=head)
    assert letter_signatory(school=school) == "M" * 100


# --- The screen ------------------------------------------------------------------------------


def test_the_page_saves_the_signatory_without_touching_the_letter_type(head_client, school, head):
    ent = EntFactory(academy=school.academy, description="e-lyco")
    letter_settings_update(school=school, letter_type="mixed", ent=ent, by=head)
    response = head_client.post(LETTER, {"signatory": "Mme Claire Martin"}, follow=True)
    page = text(response)
    assert "Le signataire des courriers est enregistré." in page
    assert 'value="Mme Claire Martin"' in page
    assert letter_signatory(school=school) == "Mme Claire Martin"
    assert (letter_settings(school=school).letter_type, letter_settings(school=school).ent) == ("mixed", ent)
    history = page[page.index("Dernières modifications") :]
    assert "Signataire des courriers" in history and "Mme Claire Martin" in history


def test_saving_the_letter_type_leaves_the_signatory_alone(head_client, school, head):
    letter_signatory_update(school=school, name="Mme Claire Martin", by=head)
    head_client.post(LETTER, {"letter_type": "teleservices"})
    head_client.post(LETTER, {"letter_type": "ent_only", "ent": EntFactory(academy=school.academy).pk})
    assert letter_settings(school=school).letter_type == "ent_only"
    assert letter_signatory(school=school) == "Mme Claire Martin"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("<b>Mme Martin</b>", "Le nom du signataire ne peut pas contenir les signes < et >."),
        ("Mme\tMartin", "Le nom du signataire ne peut contenir ni tabulation"),
        ("Mme Martin\x00", "caractère nul"),
        ("Mme " + "x" * 120, "Le nom du signataire compte 124 caractères ; 100 au plus sont acceptés."),
    ],
)
def test_a_wrong_name_gets_a_french_message_keeps_the_form_and_writes_nothing(
    head_client, school, head, typed, message
):
    letter_signatory_update(school=school, name="M. Paul Durand", by=head)
    response = head_client.post(LETTER, {"signatory": typed})
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert 'class="form-control is-invalid"' in page
    if "\x00" not in typed:
        assert f'value="{typed}"' in page  # what was typed is still in the box, to correct
    assert letter_signatory(school=school) == "M. Paul Durand"
    assert SettingChange.objects.filter(school=school, setting="letter_signatory").count() == 1


def test_another_school_head_sets_only_his_own_signatory(other_client, school, other_school, head):
    letter_signatory_update(school=school, name="Mme Hélène Roux", by=head)
    other_client.post(LETTER, {"signatory": "M. Paul Durand"})
    assert letter_signatory(school=school) == "Mme Hélène Roux"
    assert letter_signatory(school=other_school) == "M. Paul Durand"
    assert "Mme Hélène Roux" not in text(other_client.get(LETTER))
    assert not SettingChange.objects.filter(school=school, setting="letter_signatory", new_value="M. Paul Durand")

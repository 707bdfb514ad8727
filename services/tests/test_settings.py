"""B4, B7, B8 rules and readers: letter type, LPC delay, contact link."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from services.models import SettingChange
from services.selectors import contact_link, letter_settings, lpc_delay_days
from services.services import contact_link_update, letter_settings_update, lpc_delay_set, service_close
from siecle.factories import AcademyFactory, EntFactory

pytestmark = pytest.mark.django_db

LETTER = reverse("services:letter")
LPC = reverse("services:lpc")
CONTACT = reverse("services:contact")
ABSENCES = reverse("services:absences")


# --- B4 letter -------------------------------------------------------------------------------


def test_the_letter_defaults_to_teleservices_without_ent(school):
    settings = letter_settings(school=school)
    assert (settings.letter_type, settings.ent, settings.show_teleservices_url, settings.show_ent_url) == (
        "teleservices",
        None,
        True,
        False,
    )
    assert settings.teleservices_url == school.academy.teleservices_url


def test_a_mixed_letter_prints_only_the_ent_address(school, head):
    ent = EntFactory(academy=school.academy, url="https://ent.example/")
    letter_settings_update(school=school, letter_type="mixed", ent=ent, by=head)
    settings = letter_settings(school=school)
    assert (settings.label, settings.ent, settings.show_teleservices_url, settings.show_ent_url) == (
        "Mixte ENT/Téléservices",
        ent,
        False,
        True,
    )
    assert settings.ent_url == "https://ent.example/"
    change = SettingChange.objects.get(school=school, setting="letter")
    assert change.old_value == "Téléservices" and change.new_value.startswith("Mixte ENT/Téléservices (")


def test_an_ent_type_needs_an_ent_of_the_academy(school, head):
    with pytest.raises(ValidationError, match="Choisissez l'ENT"):
        letter_settings_update(school=school, letter_type="ent_only", ent=None, by=head)
    foreign = EntFactory(academy=AcademyFactory(code="AUTRE"))
    with pytest.raises(ValidationError, match="pas déclaré pour l'académie"):
        letter_settings_update(school=school, letter_type="ent_only", ent=foreign, by=head)


def test_the_letter_page_lists_the_academy_ents_and_saves_the_choice(head_client, school):
    ent = EntFactory(academy=school.academy, location="YVELINES", description="ENT 78", url="https://ent78.example/")
    EntFactory(academy=AcademyFactory(code="AUTRE"), description="ENT d'ailleurs")
    page = head_client.get(LETTER).content.decode()
    assert "YVELINES ENT 78 : https://ent78.example/" in page
    assert "ENT d&#x27;ailleurs" not in page
    assert "services-letter.js" in page
    response = head_client.post(LETTER, {"letter_type": "ent_only", "ent": ent.pk}, follow=True)
    assert "Le type de courrier de notification est enregistré." in response.content.decode()
    assert letter_settings(school=school).ent == ent


def test_the_letter_page_refuses_an_ent_type_without_ent(head_client, school):
    EntFactory(academy=school.academy)
    response = head_client.post(LETTER, {"letter_type": "mixed", "ent": ""})
    assert response.status_code == 200
    assert "Choisissez l&#x27;ENT à présenter dans ce type de courrier." in response.content.decode()
    assert letter_settings(school=school).letter_type == "teleservices"


def test_going_back_to_teleservices_forgets_the_ent(head_client, school, head):
    ent = EntFactory(academy=school.academy)
    letter_settings_update(school=school, letter_type="mixed", ent=ent, by=head)
    head_client.post(LETTER, {"letter_type": "teleservices", "ent": ent.pk})
    assert letter_settings(school=school).ent is None


def test_another_school_ent_choice_does_not_touch_this_school(other_client, school, other_school):
    ent = EntFactory(academy=school.academy)
    other_client.post(LETTER, {"letter_type": "mixed", "ent": ent.pk})
    assert letter_settings(school=school).letter_type == "teleservices"
    assert letter_settings(school=other_school).ent == ent


# --- B6 absences -----------------------------------------------------------------------------


def test_the_absences_page_says_there_is_nothing_to_set(head_client):
    page = head_client.get(ABSENCES).content.decode()
    assert "aucun paramétrage" in page
    assert "constatées, légitimes et classées" in page


# --- B7 LPC ------------------------------------------------------------------------------------


def test_the_lpc_delay_defaults_to_8_days(school):
    assert lpc_delay_days(school=school) == 8


def test_the_lpc_delay_needs_the_service_open(school, head):
    with pytest.raises(ValidationError, match="Ouvrez d'abord"):
        lpc_delay_set(school=school, days=10, by=head)
    assert lpc_delay_days(school=school) == 8


@pytest.mark.parametrize("days", [1, 366, 0, -5])
def test_the_lpc_delay_outside_2_to_365_is_refused(lpc_open, head, days):
    with pytest.raises(ValidationError, match="entre 2 et 365"):
        lpc_delay_set(school=lpc_open, days=days, by=head)


@pytest.mark.parametrize("days", [2, 365])
def test_the_lpc_delay_bounds_are_accepted(lpc_open, head, days):
    lpc_delay_set(school=lpc_open, days=days, by=head)
    assert lpc_delay_days(school=lpc_open) == days


def test_closing_the_lpc_keeps_the_delay(lpc_open, head):
    lpc_delay_set(school=lpc_open, days=15, by=head)
    service_close(school=lpc_open, service="lpc", by=head)
    assert lpc_delay_days(school=lpc_open) == 15
    change = SettingChange.objects.get(school=lpc_open, setting="lpc_delay")
    assert (change.old_value, change.new_value) == ("8 jours", "15 jours")


def test_the_lpc_page_is_greyed_while_the_service_is_closed(head_client, activated):
    page = head_client.get(LPC).content.decode()
    assert "est fermé" in page and "<fieldset disabled>" in page
    response = head_client.post(LPC, {"days": "20"})
    assert response.status_code == 200
    assert "Ouvrez d&#x27;abord le service" in response.content.decode()
    assert lpc_delay_days(school=activated) == 8


def test_the_lpc_page_saves_the_delay(head_client, lpc_open):
    response = head_client.post(LPC, {"days": "30"}, follow=True)
    assert "Le délai de publication du LPC est de 30 jours." in response.content.decode()
    assert lpc_delay_days(school=lpc_open) == 30


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1", "Le délai est d&#x27;au moins 2 jours."),
        ("400", "Le délai est d&#x27;au plus 365 jours."),
        ("huit", "Le délai s&#x27;écrit en chiffres"),
        ("8.5", "Le délai s&#x27;écrit en chiffres"),
        ("", "Indiquez un délai en jours."),
    ],
)
def test_a_wrong_lpc_delay_gets_a_french_message_and_keeps_the_form(head_client, lpc_open, typed, message):
    response = head_client.post(LPC, {"days": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page
    assert lpc_delay_days(school=lpc_open) == 8


def test_another_school_head_cannot_change_this_lpc_delay(other_client, lpc_open, other_school):
    other_client.post(LPC, {"days": "40"})
    assert lpc_delay_days(school=lpc_open) == 8


# --- B8 contact link -------------------------------------------------------------------------


@pytest.fixture
def school_with_emails(school):
    school.email1 = "ce.0780001a@ac-test.example"
    school.email2 = ""
    school.vie_scolaire_emails = ["vie.scolaire@lycee.example"]
    school.save()
    return school


def test_the_contact_link_is_inactive_by_default(school):
    assert contact_link(school=school) == contact_link(school=school).__class__(active=False, email="")


def test_an_active_contact_link_needs_an_address(school_with_emails, head):
    with pytest.raises(ValidationError, match="demande une adresse"):
        contact_link_update(school=school_with_emails, active=True, email="", by=head)


def test_the_address_must_be_one_of_the_school(school_with_emails, head):
    with pytest.raises(ValidationError, match="adresse de l'établissement"):
        contact_link_update(school=school_with_emails, active=True, email="pirate@evil.example", by=head)


def test_the_contact_page_offers_every_school_address_and_saves(head_client, school_with_emails):
    page = head_client.get(CONTACT).content.decode()
    assert "ce.0780001a@ac-test.example" in page and "vie.scolaire@lycee.example" in page
    response = head_client.post(CONTACT, {"active": "1", "email": "vie.scolaire@lycee.example"}, follow=True)
    assert "Le lien de contact établissement est enregistré." in response.content.decode()
    assert contact_link(school=school_with_emails).email == "vie.scolaire@lycee.example"
    assert contact_link(school=school_with_emails).active is True
    change = SettingChange.objects.get(school=school_with_emails, setting="contact")
    assert (change.old_value, change.new_value) == ("Non actif", "Actif (vie.scolaire@lycee.example)")


def test_the_contact_page_refuses_active_without_address(head_client, school_with_emails):
    response = head_client.post(CONTACT, {"active": "1", "email": ""})
    assert response.status_code == 200
    assert "Un lien de contact actif demande une adresse de réception." in response.content.decode()
    assert contact_link(school=school_with_emails).active is False


def test_the_contact_page_is_greyed_when_the_school_has_no_address(head_client, school):
    school.email1 = school.email2 = ""
    school.vie_scolaire_emails = []
    school.save()
    page = head_client.get(CONTACT).content.decode()
    assert "Aucune adresse électronique" in page and "<fieldset disabled>" in page
    response = head_client.post(CONTACT, {"active": "1", "email": "x@y.example"}, follow=True)
    assert "rien n&#x27;a été modifié" in response.content.decode()
    assert contact_link(school=school).active is False


def test_a_contact_address_removed_from_siecle_deactivates_the_link(school_with_emails, head):
    contact_link_update(school=school_with_emails, active=True, email="vie.scolaire@lycee.example", by=head)
    school_with_emails.vie_scolaire_emails = []
    school_with_emails.save()
    assert contact_link(school=school_with_emails).active is False


def test_another_school_head_cannot_change_this_contact_link(other_client, school_with_emails):
    other_client.post(CONTACT, {"active": "1", "email": "ce.0780001a@ac-test.example"})
    assert contact_link(school=school_with_emails).active is False


def test_a_missing_contact_choice_gets_a_french_message(head_client, school_with_emails):
    response = head_client.post(CONTACT, {"email": "vie.scolaire@lycee.example"})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()


def test_an_unknown_letter_type_gets_a_french_message(head_client, school):
    response = head_client.post(LETTER, {"letter_type": "fax"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()

"""B1/B2 screens: the home page before and after activation, the opening screen and its history."""

import re

import pytest
from django.urls import reverse

from services.models import ServiceState, SettingChange
from services.selectors import open_services, school_has_open_service
from services.services import service_open

pytestmark = pytest.mark.django_db

HOME = reverse("home")
OPENING = reverse("services:opening")
ACTIVATE = reverse("services:activate")
ALL_CLOSED = {"absences": "closed", "lpc": "closed", "notes": "closed", "b2i": "closed"}


def test_home_says_teleservices_are_not_activated_and_offers_the_button(head_client):
    page = head_client.get(HOME).content.decode()
    assert "Téléservices non activés" in page
    assert "Activer les téléservices</button>" in page
    assert f'action="{ACTIVATE}"' in page


def test_the_button_activates_then_home_lists_every_service_closed(head_client, school, head):
    response = head_client.post(ACTIVATE)
    assert response["Location"] == OPENING
    page = head_client.get(HOME).content.decode()
    assert "Téléservices non activés" not in page
    for label in (
        "Consultation des absences",
        "Consultation du livret personnel de compétences",
        "Consultation des notes",
        "Brevet informatique et internet",
    ):
        assert label in page
    assert page.count(">Fermé<") == 4
    assert SettingChange.objects.get(school=school, setting="activation").changed_by == head


def test_home_shows_an_open_service_as_open(head_client, activated, head):
    service_open(school=activated, service="notes", by=head)
    page = head_client.get(HOME).content.decode()
    assert page.count(">Fermé<") == 3 and page.count(">Ouvert<") == 1


def test_the_opening_screen_asks_for_activation_first_and_refuses_posts(head_client, school):
    page = head_client.get(OPENING).content.decode()
    assert "Activer les téléservices</button>" in page
    response = head_client.post(OPENING, {**ALL_CLOSED, "notes": "open"}, follow=True)
    assert "Activez d&#x27;abord les téléservices." in response.content.decode()
    assert not school_has_open_service(school=school)


def test_the_activation_page_renders_before_and_after(head_client, activated):
    assert "déjà activés" in head_client.get(ACTIVATE).content.decode()


def test_opening_and_closing_from_the_screen_is_saved_and_shown_in_the_history(head_client, activated):
    response = head_client.post(OPENING, {**ALL_CLOSED, "absences": "open", "notes": "open"}, follow=True)
    page = response.content.decode()
    assert "L&#x27;état des téléservices est enregistré." in page
    assert [s.code for s in open_services(school=activated)] == ["absences", "notes"]
    assert "Dernières modifications" in page and page.count("<td>chef</td>") == 3  # activation + 2 openings
    # At 360 px the history scrolls inside its own box instead of widening the whole page.
    assert re.search(r'<div class="table-responsive" data-testid="history">\s*<table', page)
    head_client.post(OPENING, {**ALL_CLOSED, "absences": "open"})
    assert [s.code for s in open_services(school=activated)] == ["absences"]
    last = SettingChange.objects.filter(school=activated).first()
    assert (last.setting, last.old_value, last.new_value) == ("service:notes", "Ouvert", "Fermé")


def test_posting_the_same_states_changes_nothing(head_client, activated):
    head_client.post(OPENING, ALL_CLOSED)
    response = head_client.post(OPENING, ALL_CLOSED, follow=True)
    assert "Aucun changement" in response.content.decode()
    assert SettingChange.objects.filter(school=activated).count() == 1  # the activation only


def test_a_service_the_school_cannot_claim_is_shown_with_the_reason_and_no_choice(head_client, activated):
    activated.b2i_experimenter = False
    activated.uses_notes_module = False
    activated.save()
    page = head_client.get(OPENING).content.decode()
    assert "n&#x27;est pas expérimentateur de ce téléservice" in page
    assert "n&#x27;utilise pas le module Notes de SIECLE" in page
    assert 'name="b2i"' not in page and 'name="notes"' not in page
    assert 'name="absences"' in page


def test_a_forged_post_cannot_open_a_service_the_school_cannot_claim(head_client, activated):
    activated.b2i_experimenter = False
    activated.save()
    head_client.post(OPENING, {**ALL_CLOSED, "b2i": "open", "absences": "open"})
    assert not ServiceState.objects.filter(school=activated, service="b2i", is_open=True).exists()
    assert [s.code for s in open_services(school=activated)] == ["absences"]


def test_an_experimenter_can_open_b2i(head_client, activated):
    activated.b2i_experimenter = True
    activated.save()
    head_client.post(OPENING, {**ALL_CLOSED, "b2i": "open"})
    assert [s.code for s in open_services(school=activated)] == ["b2i"]


def test_another_school_head_neither_sees_nor_changes_this_school(other_client, activated, head, other_school):
    service_open(school=activated, service="notes", by=head)
    page = other_client.get(OPENING).content.decode()
    assert "Activer les téléservices</button>" in page  # his own school is not activated
    other_client.post(ACTIVATE)
    other_client.post(OPENING, ALL_CLOSED)
    assert [s.code for s in open_services(school=activated)] == ["notes"]
    assert not SettingChange.objects.filter(school=activated, changed_by__username="autre.chef").exists()
    assert not school_has_open_service(school=other_school)


def test_a_missing_choice_keeps_the_form_with_a_french_message(head_client, activated):
    response = head_client.post(OPENING, {"notes": "open"})
    assert response.status_code == 200
    assert "Choisissez Fermé ou Ouvert." in response.content.decode()
    assert not school_has_open_service(school=activated)

import pytest
from django.core.exceptions import ValidationError

from services.models import ServiceState, SettingChange
from services.selectors import open_services, school_has_open_service, service_statuses
from services.services import service_close, service_open, services_set_states, teleservices_activate

pytestmark = pytest.mark.django_db


def test_activation_is_recorded_once(school, head):
    teleservices_activate(school=school, by=head)
    teleservices_activate(school=school, by=head)
    changes = SettingChange.objects.filter(school=school, setting="activation")
    assert [(c.new_value, c.changed_by) for c in changes] == [("Activés", head)]


def test_a_service_cannot_be_opened_before_activation(school, head):
    with pytest.raises(ValidationError, match="pas encore activés"):
        service_open(school=school, service="notes", by=head)
    assert not school_has_open_service(school=school)


def test_opening_and_closing_record_old_and_new_state(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    service_close(school=school, service="notes", by=head)
    changes = list(SettingChange.objects.filter(school=school, setting="service:notes").order_by("id"))
    assert [(c.old_value, c.new_value, c.changed_by_name) for c in changes] == [
        ("Fermé", "Ouvert", "chef"),
        ("Ouvert", "Fermé", "chef"),
    ]


def test_open_services_follow_the_manual_order(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    service_open(school=school, service="absences", by=head)
    assert [s.label for s in open_services(school=school)] == [
        "Consultation des absences",
        "Consultation des notes",
    ]
    assert school_has_open_service(school=school)


def test_a_service_the_school_cannot_claim_is_refused(school, head):
    school.b2i_experimenter = False
    school.uses_lpc_module = False
    school.save()
    teleservices_activate(school=school, by=head)
    with pytest.raises(ValidationError, match="expérimentateur"):
        service_open(school=school, service="b2i", by=head)
    with pytest.raises(ValidationError, match="module LPC"):
        service_open(school=school, service="lpc", by=head)
    assert not ServiceState.objects.filter(school=school, is_open=True).exists()
    statuses = {s.code: s for s in service_statuses(school=school)}
    assert statuses["b2i"].claimable is False
    assert "expérimentateur" in statuses["b2i"].reason
    assert statuses["notes"].claimable is True


def test_the_opening_screen_changes_all_or_nothing(school, head):
    teleservices_activate(school=school, by=head)
    with pytest.raises(ValidationError):
        services_set_states(school=school, states={"notes": True, "b2i": True}, by=head)
    assert not school_has_open_service(school=school)


def test_another_school_is_not_affected(school, other_school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    assert not school_has_open_service(school=other_school)

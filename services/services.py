"""Writes of the téléservices app: activation, opening and closing, every setting (SPEC B1–B8).

Each function changes one thing inside a transaction and writes a `SettingChange` row (who,
when, old and new value) in the same transaction; a call that changes nothing records nothing.
Refusals are `TeleserviceError` (a Django `ValidationError`) with a French message.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from siecle.models import School

from .catalogue import BY_CODE, Service
from .models import SchoolSettings, ServiceState, Setting, SettingChange


class TeleserviceError(ValidationError):
    """A change the rules refuse; its message is French and meant for the school head."""


def _who(by) -> str:
    if by is None:
        return ""
    full_name = by.get_full_name() if hasattr(by, "get_full_name") else ""
    return full_name or by.get_username()


def _record(*, school: School, setting: str, old: str, new: str, by) -> SettingChange:
    return SettingChange.objects.create(
        school=school,
        setting=setting,
        old_value=old,
        new_value=new,
        changed_by=by,
        changed_by_name=_who(by),
    )


def _locked_settings(school: School) -> SchoolSettings:
    """The school's settings row, created with the defaults if needed, locked until commit."""
    SchoolSettings.objects.get_or_create(school=school)
    return SchoolSettings.objects.select_for_update().get(school=school)


def _service(code: str) -> Service:
    try:
        return BY_CODE[code]
    except KeyError:
        raise TeleserviceError("Ce téléservice n'existe pas.", code="unknown_service") from None


def _state_label(is_open: bool) -> str:
    return "Ouvert" if is_open else "Fermé"


# --- B1 activation, B2 opening and closing -------------------------------------------------


@transaction.atomic
def teleservices_activate(*, school: School, by) -> None:
    """Make téléservices available to the school (B1); activating twice changes nothing."""
    row = _locked_settings(school)
    if row.is_activated:
        return
    row.activated_at = timezone.now()
    row.activated_by = by
    row.save(update_fields=["activated_at", "activated_by", "updated_at"])
    _record(school=school, setting=Setting.ACTIVATION, old="Non activés", new="Activés", by=by)


def _service_set(*, school: School, service: str, is_open: bool, by) -> bool:
    svc = _service(service)
    row = _locked_settings(school)
    if is_open:
        if not row.is_activated:
            raise TeleserviceError(
                "Les téléservices ne sont pas encore activés dans cet établissement.", code="not_activated"
            )
        if not svc.claimable_by(school):
            raise TeleserviceError(
                f"Le service « {svc.label} » ne peut pas être ouvert : {svc.missing_reason}", code="not_claimable"
            )
    state, _ = ServiceState.objects.select_for_update().get_or_create(school=school, service=svc.code)
    if state.is_open == is_open:
        return False
    state.is_open = is_open
    state.save(update_fields=["is_open", "updated_at"])
    _record(
        school=school,
        setting=f"service:{svc.code}",
        old=_state_label(not is_open),
        new=_state_label(is_open),
        by=by,
    )
    return True


@transaction.atomic
def service_open(*, school: School, service: str, by) -> None:
    """Open one national service ("absences", "lpc", "notes", "b2i") to the school's families.

    Refused when téléservices are not activated or the school cannot claim the service (it does
    not use the matching SIECLE module, or is not an experimenter of it).
    """
    _service_set(school=school, service=service, is_open=True, by=by)


@transaction.atomic
def service_close(*, school: School, service: str, by) -> None:
    """Close one national service; its settings are kept for a later reopening."""
    _service_set(school=school, service=service, is_open=False, by=by)


@transaction.atomic
def services_set_states(*, school: School, states: dict[str, bool], by) -> list[str]:
    """Apply the opening screen: open or close each given service; all or nothing.

    Returns the codes of the services whose state changed.
    """
    changed = []
    for code, is_open in states.items():
        if _service_set(school=school, service=code, is_open=is_open, by=by):
            changed.append(code)
    return changed

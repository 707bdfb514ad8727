"""Reads of the téléservices app that screens, letters, code creation and the portal share."""

from __future__ import annotations

from dataclasses import dataclass

from siecle.models import School

from .catalogue import CATALOGUE, Service
from .models import SchoolSettings, ServiceState


def school_settings(*, school: School) -> SchoolSettings:
    """The school's settings, or an unsaved row with the defaults when nothing was ever set."""
    row = SchoolSettings.objects.filter(school=school).select_related("letter_ent").first()
    return row or SchoolSettings(school=school)


def teleservices_activated(*, school: School) -> bool:
    return SchoolSettings.objects.filter(school=school, activated_at__isnull=False).exists()


def _open_codes(school: School) -> set[str]:
    return set(ServiceState.objects.filter(school=school, is_open=True).values_list("service", flat=True))


def open_services(*, school: School) -> list[Service]:
    """The services open in the school, in the manual's order; each has `.code` and `.label` (French)."""
    codes = _open_codes(school)
    return [s for s in CATALOGUE if s.code in codes]


def school_has_open_service(*, school: School) -> bool:
    """At least one service is open: the condition for creating activation codes (C2)."""
    return ServiceState.objects.filter(school=school, is_open=True).exists()


def service_is_open(*, school: School, service: str) -> bool:
    return ServiceState.objects.filter(school=school, service=service, is_open=True).exists()


@dataclass(frozen=True)
class ServiceStatus:
    service: Service
    is_open: bool
    claimable: bool

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def label(self) -> str:
        return self.service.label

    @property
    def reason(self) -> str:
        return "" if self.claimable else self.service.missing_reason


def service_statuses(*, school: School) -> list[ServiceStatus]:
    """Every national service with its state and whether the school may open it (B1, B2)."""
    codes = _open_codes(school)
    return [ServiceStatus(service=s, is_open=s.code in codes, claimable=s.claimable_by(school)) for s in CATALOGUE]

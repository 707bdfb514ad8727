"""Reads of the téléservices app that screens, letters, code creation and the portal share."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from siecle.models import Division, Ent, Mef, School, Student

from . import welcome
from .catalogue import CATALOGUE, Service
from .models import (
    LPC_DELAY_DEFAULT,
    LetterType,
    NotesMode,
    NotesPublicationDate,
    SchoolSettings,
    ServiceState,
    SettingChange,
)


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


def teleservices_open_school_ids():
    """Ids of the schools whose téléservices are open to families: activated, with at least one
    service open (a queryset of ids, usable as a subquery: one query for the whole academy).
    Continuity of access (C7) is given only there."""
    return SchoolSettings.objects.filter(
        activated_at__isnull=False, school__in=ServiceState.objects.filter(is_open=True).values("school")
    ).values("school")


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


# --- Settings readers: what letters, code creation and the portal read -----------------------


def welcome_message_html(*, school: School) -> SafeString:
    """The school's welcome message as safe HTML for the families' home pages (B3); may be empty."""
    stored = SchoolSettings.objects.filter(school=school).values_list("welcome_message", flat=True).first()
    if not stored:
        return mark_safe("")  # noqa: S308 — empty
    # Cleaned again with today's allow-list of the academy: a site it no longer lists loses its link.
    domains = school.academy.welcome_link_domain_list()
    return mark_safe(welcome.safe_html(stored, domains=domains))  # noqa: S308 — sanitised by nh3 and our serialiser


def welcome_link_domains(*, school: School) -> list[str] | None:
    """The sites the school's welcome message may link to (its academy's list); None: any https site."""
    return school.academy.welcome_link_domain_list()


def welcome_message_source(*, school: School) -> str:
    """The welcome message as the editing box shows it."""
    return welcome.to_source(school_settings(school=school).welcome_message)


@dataclass(frozen=True)
class LetterSettings:
    """What the notification letters present (B4).

    `show_teleservices_url`: print the téléservices address (type Téléservices);
    `show_ent_url`: print the ENT's address (Mixte: only the ENT's, families enter through it;
    ENT seul). `ent` is None for the type Téléservices.
    """

    letter_type: str
    label: str
    ent: Ent | None
    teleservices_url: str

    @property
    def show_teleservices_url(self) -> bool:
        return self.letter_type == LetterType.TELESERVICES

    @property
    def show_ent_url(self) -> bool:
        return self.ent is not None

    @property
    def ent_url(self) -> str:
        return self.ent.url if self.ent else ""


def letter_settings(*, school: School) -> LetterSettings:
    row = school_settings(school=school)
    letter_type, ent = row.letter_type, row.letter_ent
    if letter_type == LetterType.TELESERVICES or ent is None:
        # Default, or the chosen ENT was removed from the academy: the plain téléservices letter.
        letter_type, ent = LetterType.TELESERVICES, None
    return LetterSettings(
        letter_type=letter_type,
        label=LetterType(letter_type).label,
        ent=ent,
        teleservices_url=school.academy.teleservices_url,
    )


def letter_signatory(*, school: School) -> str:
    """The name the letters print under "Le chef d'établissement" (B4); "" when none is set."""
    value = SchoolSettings.objects.filter(school=school).values_list("letter_signatory", flat=True).first()
    return value or ""


@dataclass(frozen=True)
class NotesPublication:
    """How notes are published (B5): continuously, or at deadlines per (MEF, division).

    `dates` maps (mef_id, division_id) to its sorted deadlines; empty in continuous mode.
    """

    mode: str
    dates: dict[tuple[int, int], tuple[datetime.date, ...]]

    @property
    def is_continuous(self) -> bool:
        return self.mode == NotesMode.CONTINUOUS

    def last_deadline(self, *, mef_id: int, division_id: int, today: datetime.date) -> datetime.date | None:
        """The latest deadline reached on `today` for the couple (notes published up to it), or None."""
        reached = [d for d in self.dates.get((mef_id, division_id), ()) if d <= today]
        return reached[-1] if reached else None


def notes_publication(*, school: School) -> NotesPublication:
    row = school_settings(school=school)
    dates: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    if row.notes_mode == NotesMode.DEADLINE:
        rows = NotesPublicationDate.objects.filter(school=school).order_by("date")
        for mef_id, division_id, date in rows.values_list("mef_id", "division_id", "date"):
            dates[(mef_id, division_id)].append(date)
    return NotesPublication(mode=row.notes_mode, dates={k: tuple(v) for k, v in dates.items()})


def lpc_delay_days(*, school: School) -> int:
    """Days between the entry of a competence and its publication (B7); 8 by default."""
    value = SchoolSettings.objects.filter(school=school).values_list("lpc_delay_days", flat=True).first()
    return value if value is not None else LPC_DELAY_DEFAULT


@dataclass(frozen=True)
class ContactLink:
    active: bool
    email: str


def contact_link(*, school: School) -> ContactLink:
    """The "contact the school" link (B8). Active only with an address the school still has."""
    row = school_settings(school=school)
    email = row.contact_email if row.contact_email in school.emails else ""
    return ContactLink(active=row.contact_active and bool(email), email=email)


# --- Screens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotesCouple:
    mef_id: int
    mef_label: str
    division_id: int
    division_code: str
    dates: tuple[datetime.date, ...]

    @property
    def key(self) -> str:
        return f"{self.mef_id}-{self.division_id}"


def _current_couples(school: School):
    return (
        Student.objects.filter(school=school, has_left=False, mef__isnull=False, division__isnull=False)
        .values_list("mef_id", "division_id")
        .distinct()
    )


def notes_couple_keys(*, school: School) -> set[tuple[int, int]]:
    """The (MEF, division) couples of the school's current students."""
    return set(_current_couples(school))


def notes_couples(*, school: School) -> list[NotesCouple]:
    """The (MEF, division) couples of the current students, with their dates: two queries."""
    rows = (
        Student.objects.filter(school=school, has_left=False, mef__isnull=False, division__isnull=False)
        .values_list("mef_id", "mef__label", "mef__code", "division_id", "division__code")
        .distinct()
        .order_by("mef__label", "mef__code", "division__code")
    )
    dates: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    stored = NotesPublicationDate.objects.filter(school=school).order_by("date")
    for mef_id, division_id, date in stored.values_list("mef_id", "division_id", "date"):
        dates[(mef_id, division_id)].append(date)
    return [
        NotesCouple(
            mef_id=mef_id,
            mef_label=mef_label or mef_code,
            division_id=division_id,
            division_code=division_code,
            dates=tuple(dates.get((mef_id, division_id), ())),
        )
        for mef_id, mef_label, mef_code, division_id, division_code in rows
    ]


def notes_dates_in_use(*, school: School) -> list[datetime.date]:
    return list(
        NotesPublicationDate.objects.filter(school=school).values_list("date", flat=True).distinct().order_by("date")
    )


def recent_changes(*, school: School, settings: list[str], limit: int = 10) -> list[SettingChange]:
    """The last changes of the given settings, newest first."""
    return list(SettingChange.objects.filter(school=school, setting__in=settings)[:limit])


_COUPLE_KEY = re.compile(r"([0-9]{1,18})-([0-9]{1,18})")


def couple_keys_of_another_school(*, school: School, keys: list[str]) -> bool:
    """Whether some "mef_id-division_id" keys name a MEF or a division of another school."""
    mef_ids, division_ids = set(), set()
    for key in keys:
        # ASCII digits only ("²".isdigit() is true but int("²") fails), and within a primary key.
        match = _COUPLE_KEY.fullmatch(key)
        if match:
            mef_ids.add(int(match[1]))
            division_ids.add(int(match[2]))
    if not mef_ids:
        return False
    return (
        Mef.objects.filter(pk__in=mef_ids).exclude(school=school).exists()
        or Division.objects.filter(pk__in=division_ids).exclude(school=school).exists()
    )

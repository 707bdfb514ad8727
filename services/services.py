"""Writes of the téléservices app: activation, opening and closing, every setting (SPEC B1–B8).

Each function changes one thing inside a transaction and writes a `SettingChange` row (who,
when, old and new value) in the same transaction; a call that changes nothing records nothing.
Refusals are `TeleserviceError` (a Django `ValidationError`) with a French message.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from siecle.models import Academy, Ent, School

from . import welcome
from .catalogue import BY_CODE, Service, ServiceCode
from .models import (
    LPC_DELAY_MAX,
    LPC_DELAY_MIN,
    WELCOME_MESSAGE_MAX,
    WELCOME_SOURCE_MAX,
    LetterType,
    NotesMode,
    NotesPublicationDate,
    SchoolSettings,
    ServiceState,
    Setting,
    SettingChange,
    signatory_cleaned,
)

User = AbstractBaseUser  # the staff user who makes the change; None for a command or a task


class TeleserviceError(ValidationError):
    """A change the rules refuse; its message is French and meant for the school head."""


def _who(by: User | None) -> str:
    if by is None:
        return ""
    full_name = by.get_full_name() if hasattr(by, "get_full_name") else ""
    return full_name or by.get_username()


def _record(*, school: School, setting: str, old: str, new: str, by: User | None) -> SettingChange:
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
def teleservices_activate(*, school: School, by: User | None) -> None:
    """Make téléservices available to the school (B1); activating twice changes nothing."""
    row = _locked_settings(school)
    if row.is_activated:
        return
    row.activated_at = timezone.now()
    row.activated_by = by
    row.save(update_fields=["activated_at", "activated_by", "updated_at"])
    _record(school=school, setting=Setting.ACTIVATION, old="Non activés", new="Activés", by=by)


def _service_set(*, school: School, service: str, is_open: bool, by: User | None) -> bool:
    svc = _service(service)
    row = _locked_settings(school)
    state = ServiceState.objects.select_for_update().filter(school=school, service=svc.code).first()
    if (state.is_open if state else False) == is_open:
        # Nothing to change: a service opened before the school lost the module may stay open
        # (and be closed), but one that is closed is never opened without the module.
        return False
    if is_open:
        if not row.is_activated:
            raise TeleserviceError(
                "Les téléservices ne sont pas encore activés dans cet établissement.", code="not_activated"
            )
        if not svc.claimable_by(school):
            raise TeleserviceError(
                f"Le service « {svc.label} » ne peut pas être ouvert : {svc.missing_reason}", code="not_claimable"
            )
    if state is None:
        state = ServiceState(school=school, service=svc.code)
    state.is_open = is_open
    state.save()
    _record(
        school=school,
        setting=f"service:{svc.code}",
        old=_state_label(not is_open),
        new=_state_label(is_open),
        by=by,
    )
    return True


@transaction.atomic
def service_open(*, school: School, service: str, by: User | None) -> None:
    """Open one national service ("absences", "lpc", "notes", "b2i") to the school's families.

    Refused when téléservices are not activated or the school cannot claim the service (it does
    not use the matching SIECLE module, or is not an experimenter of it).
    """
    _service_set(school=school, service=service, is_open=True, by=by)


@transaction.atomic
def service_close(*, school: School, service: str, by: User | None) -> None:
    """Close one national service; its settings are kept for a later reopening."""
    _service_set(school=school, service=service, is_open=False, by=by)


@transaction.atomic
def services_set_states(*, school: School, states: dict[str, bool], by: User | None) -> list[str]:
    """Apply the opening screen: open or close each given service; all or nothing.

    Returns the codes of the services whose state changed.
    """
    changed = []
    for code, is_open in states.items():
        if _service_set(school=school, service=code, is_open=is_open, by=by):
            changed.append(code)
    return changed


# --- B3 welcome message ----------------------------------------------------------------------


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@transaction.atomic
def welcome_message_update(*, school: School, source: str, by: User | None) -> None:
    """Store the welcome message typed by the head, as sanitised HTML (B3); any service state.

    A link that is not an https site of the academy's allow-list, nor a mailto: address, is
    refused (TeleserviceError naming it and why): nothing is saved, the head corrects it.
    """
    if len(source or "") > WELCOME_SOURCE_MAX:
        raise TeleserviceError(
            f"Le texte saisi, adresses des liens comprises, dépasse {WELCOME_SOURCE_MAX} caractères.",
            code="source_too_long",
        )
    # The academy's row, locked: the list is the one in force when this save commits. A changed
    # list being applied (academy_welcome_messages_reclean, in the transaction that updated the
    # row) makes this wait for it, then check against the new list; a save holding it first is
    # seen by that cleaning, which then shows its preview again (a link of the old list kept).
    academy = Academy.objects.select_for_update(no_key=True).get(pk=school.academy_id)
    domains = academy.welcome_link_domain_list()
    refused = welcome.refused_links(source, domains=domains)
    if refused:
        raise TeleserviceError(
            " ".join(f"Lien refusé : « {_shortened(href)} » : {reason}." for href, reason in refused[:3])
            + " Corrigez l'adresse ou retirez le lien.",
            code="link_refused",
        )
    clean = welcome.sanitize(source, domains=domains)
    length = welcome.visible_length(clean)
    if length > WELCOME_MESSAGE_MAX:
        raise TeleserviceError(
            f"Le message compte {length} caractères ; {WELCOME_MESSAGE_MAX} au plus sont acceptés.",
            code="too_long",
        )
    row = _locked_settings(school)
    if row.welcome_message == clean:
        return
    old = row.welcome_message
    row.welcome_message = clean
    row.save(update_fields=["welcome_message", "updated_at"])
    _record(school=school, setting=Setting.WELCOME_MESSAGE, old=old, new=clean, by=by)


RECLEAN_BATCH = 500  # messages read (and locked) per statement: a constant number of queries per batch
RECLEAN_SHOWN = 200  # schools listed on the confirmation page; the counts always cover them all


class WelcomeRecleanStale(TeleserviceError):
    """The messages changed since the preview was shown: nothing was written, show it again."""


@dataclass(frozen=True)
class WelcomeRecleanSchool:
    """One school whose welcome message the academy's allow-list changes."""

    uaj: str
    name: str
    links: tuple[str, ...]  # the addresses removed, in the message's order


@dataclass
class WelcomeReclean:
    """What cleaning the academy's welcome messages with its allow-list changes (or changed).

    `digest` names exactly the changes (the list, and each message before and after): a
    confirmation carries it back, and the cleaning applies only if it is still the same.
    """

    domains: list[str] | None
    messages: int = 0
    links: int = 0
    schools: list[WelcomeRecleanSchool] = field(default_factory=list)  # the first RECLEAN_SHOWN, by UAJ
    digest: str = ""

    @property
    def schools_not_shown(self) -> int:
        return self.messages - len(self.schools)


def _removed_links(old: str, new: str) -> tuple[str, ...]:
    kept = welcome.link_addresses(new)
    removed = []
    for href in welcome.link_addresses(old):
        if href in kept:
            kept.remove(href)
        else:
            removed.append(href)
    return tuple(removed)


@transaction.atomic
def academy_welcome_messages_reclean(
    *, academy: Academy, by: User | None, dry_run: bool = False, expected_digest: str | None = None
) -> WelcomeReclean:
    """Clean every welcome message of `academy` again with its allow-list of link domains (B3).

    A link to a site the list does not hold keeps its text and loses its address. `dry_run`
    only counts (the confirmation page of the academy's admin form); otherwise each message
    changed is written with a history row, in this transaction, and the replication's journal
    (a trigger) carries it to the families' portal at the next run. The dry run and the
    cleaning are this one function, so the numbers shown are the numbers applied.

    `academy` may be unsaved changes of the row (the form being confirmed): its list is the one
    applied. With `expected_digest` (the preview the administrator confirmed), a cleaning that
    would change anything else raises WelcomeRecleanStale and writes nothing. Messages are read
    by batches of RECLEAN_BATCH, locked when not a dry run: a constant number of statements per
    batch, whatever the number of schools. Safe to run twice (the second changes nothing).
    """
    domains = academy.welcome_link_domain_list()
    outcome = WelcomeReclean(domains=domains)
    digest = hashlib.sha256(json.dumps(domains).encode())
    rows = SchoolSettings.objects.filter(school__academy_id=academy.pk).exclude(welcome_message="").order_by("pk")
    if not dry_run:
        rows = rows.select_for_update(of=("self",))
    who, now, last = _who(by), timezone.now(), 0
    listed: list[WelcomeRecleanSchool] = []
    while True:
        batch = list(
            rows.filter(pk__gt=last).values_list("pk", "school_id", "school__uaj", "school__name", "welcome_message")[
                :RECLEAN_BATCH
            ]
        )
        if not batch:
            break
        last = batch[-1][0]
        updates, history = [], []
        for pk, school_id, uaj, name, old in batch:
            clean = welcome.safe_html(old, domains=domains)
            if clean == old:
                continue
            digest.update(json.dumps([pk, old, clean]).encode())
            removed = _removed_links(old, clean)
            outcome.messages += 1
            outcome.links += len(removed)
            listed.append(WelcomeRecleanSchool(uaj=uaj, name=name, links=removed))
            updates.append(SchoolSettings(pk=pk, welcome_message=clean, updated_at=now))
            history.append(
                SettingChange(
                    school_id=school_id,
                    setting=Setting.WELCOME_MESSAGE,
                    old_value=old,
                    new_value=clean,
                    changed_by=by,
                    changed_by_name=who,
                )
            )
        if updates and not dry_run:
            SchoolSettings.objects.bulk_update(updates, ["welcome_message", "updated_at"])
            SettingChange.objects.bulk_create(history)
    outcome.digest = digest.hexdigest()
    listed.sort(key=lambda school: school.uaj)
    outcome.schools = listed[:RECLEAN_SHOWN]
    if expected_digest is not None and not constant_time_compare(outcome.digest, expected_digest):
        # Raised inside the transaction: what this call wrote is rolled back with it.
        raise WelcomeRecleanStale(
            "Des messages d'accueil ont changé depuis l'aperçu : rien n'a été enregistré, vérifiez le nouvel aperçu.",
            code="stale",
        )
    return outcome


# --- B4 notification letter ------------------------------------------------------------------


def _letter_label(letter_type: str, ent: Ent | None) -> str:
    label = LetterType(letter_type).label
    if letter_type != LetterType.TELESERVICES and ent is not None:
        label = f"{label} ({ent.location} {ent.description} : {ent.url})"
    return label


@transaction.atomic
def letter_settings_update(*, school: School, letter_type: str, ent: Ent | None, by: User | None) -> None:
    """Choose what the notification letters present (B4): téléservices, mixed ENT, or ENT only."""
    if letter_type not in LetterType.values:
        raise TeleserviceError("Ce type de courrier n'existe pas.", code="unknown_letter_type")
    if letter_type == LetterType.TELESERVICES:
        ent = None
    elif ent is None:
        raise TeleserviceError("Choisissez l'ENT à présenter dans le courrier.", code="ent_required")
    elif ent.academy_id != school.academy_id:
        raise TeleserviceError("Cet ENT n'est pas déclaré pour l'académie.", code="foreign_ent")
    row = _locked_settings(school)
    if row.letter_type == letter_type and row.letter_ent_id == (ent.pk if ent else None):
        return
    old = _letter_label(row.letter_type, row.letter_ent)
    row.letter_type = letter_type
    row.letter_ent = ent
    row.save(update_fields=["letter_type", "letter_ent", "updated_at"])
    _record(school=school, setting=Setting.LETTER, old=old, new=_letter_label(letter_type, ent), by=by)


@transaction.atomic
def letter_signatory_update(*, school: School, name: str, by: User | None) -> None:
    """The name printed under "Le chef d'établissement" on the letters (B4); "" prints none.

    Any service state. The name is plain text on one line, spaces collapsed, 100 characters at most.
    """
    try:
        name = signatory_cleaned(name)
    except ValidationError as error:
        raise TeleserviceError(error.messages[0], code=error.code) from None
    row = _locked_settings(school)
    if row.letter_signatory == name:
        return
    old = row.letter_signatory
    row.letter_signatory = name
    row.save(update_fields=["letter_signatory", "updated_at"])
    _record(school=school, setting=Setting.LETTER_SIGNATORY, old=old, new=name, by=by)


# --- B5 notes publication --------------------------------------------------------------------


def _require_open(school: School, service: str, what: str) -> None:
    if not ServiceState.objects.filter(school=school, service=service, is_open=True).exists():
        raise TeleserviceError(
            f"Ouvrez d'abord le service « {BY_CODE[service].label} » pour modifier {what}.", code="service_closed"
        )


Couple = tuple[int, int]  # (mef_id, division_id)


@transaction.atomic
def notes_mode_set(*, school: School, mode: str, by: User | None) -> int:
    """Choose how notes are published (B5). Going back to "au fil de l'eau" deletes every date.

    Screens ask for confirmation before calling this with the continuous mode. Returns the
    number of deleted dates.
    """
    if mode not in NotesMode.values:
        raise TeleserviceError("Ce type de publication n'existe pas.", code="unknown_mode")
    _require_open(school, ServiceCode.NOTES, "le type de publication des notes")
    row = _locked_settings(school)
    deleted = 0
    if mode == NotesMode.CONTINUOUS:
        deleted, _ = NotesPublicationDate.objects.filter(school=school).delete()
        if deleted:
            row.save(update_fields=["updated_at"])
            _record(
                school=school,
                setting=Setting.NOTES_DATES,
                old=f"{deleted} date(s)",
                new="Toutes les dates supprimées",
                by=by,
            )
    if row.notes_mode != mode:
        old = NotesMode(row.notes_mode).label
        row.notes_mode = mode
        row.save(update_fields=["notes_mode", "updated_at"])
        _record(school=school, setting=Setting.NOTES_MODE, old=old, new=NotesMode(mode).label, by=by)
    return deleted


def _deadline_mode_checked(school: School) -> SchoolSettings:
    _require_open(school, ServiceCode.NOTES, "les dates de publication")
    row = _locked_settings(school)
    if row.notes_mode != NotesMode.DEADLINE:
        raise TeleserviceError(
            "Les dates de publication ne servent qu'avec la publication « à échéance ».", code="not_deadline"
        )
    return row


def _couples_checked(school: School, couples: Iterable[Couple]) -> list[Couple]:
    from .selectors import notes_couple_keys

    wanted = list(dict.fromkeys(couples))
    if not wanted:
        raise TeleserviceError("Cochez au moins un couple MEF / division.", code="no_couple")
    known = notes_couple_keys(school=school)
    if any(c not in known for c in wanted):
        raise TeleserviceError("Un couple MEF / division choisi n'existe pas dans l'établissement.", code="bad_couple")
    return wanted


def _date_in_school_year(school: School, date: datetime.date) -> None:
    start, end = school.school_year()
    if not start <= date <= end:
        raise TeleserviceError(
            f"La date du {date:%d/%m/%Y} est hors de l'année scolaire {start.year}-{end.year} : "
            f"choisissez une date entre le {start:%d/%m/%Y} et le {end:%d/%m/%Y}.",
            code="outside_school_year",
        )


@transaction.atomic
def notes_dates_add(*, school: School, date: datetime.date, couples: Iterable[Couple], by: User | None) -> int:
    """Add one publication date (of the current school year) to the given (MEF, division) couples.

    Returns how many couples gained it.
    """
    row = _deadline_mode_checked(school)
    _date_in_school_year(school, date)
    wanted = _couples_checked(school, couples)
    existing = set(NotesPublicationDate.objects.filter(school=school, date=date).values_list("mef_id", "division_id"))
    new = [c for c in wanted if c not in existing]
    NotesPublicationDate.objects.bulk_create(
        [NotesPublicationDate(school=school, mef_id=m, division_id=d, date=date) for m, d in new]
    )
    if new:
        row.save(update_fields=["updated_at"])  # the settings changed: replication copies the dates again
        _record(
            school=school,
            setting=Setting.NOTES_DATES,
            old="",
            new=f"{date:%d/%m/%Y} ajoutée à {len(new)} couple(s) MEF / division",
            by=by,
        )
    return len(new)


@transaction.atomic
def notes_dates_remove(*, school: School, date: datetime.date, couples: Iterable[Couple], by: User | None) -> int:
    """Remove one publication date from the given couples; returns how many lost it."""
    row = _deadline_mode_checked(school)
    wanted = set(_couples_checked(school, couples))
    rows = NotesPublicationDate.objects.filter(school=school, date=date).values_list("pk", "mef_id", "division_id")
    ids = [pk for pk, m, d in rows if (m, d) in wanted]
    NotesPublicationDate.objects.filter(pk__in=ids).delete()
    if ids:
        row.save(update_fields=["updated_at"])
        _record(
            school=school,
            setting=Setting.NOTES_DATES,
            old=f"{date:%d/%m/%Y} sur {len(ids)} couple(s) MEF / division",
            new="Date supprimée",
            by=by,
        )
    return len(ids)


# --- B7 LPC delay ----------------------------------------------------------------------------


@transaction.atomic
def lpc_delay_set(*, school: School, days: int, by: User | None) -> None:
    """Days between the entry of a competence and its publication (B7); needs the LPC open."""
    if not LPC_DELAY_MIN <= days <= LPC_DELAY_MAX:
        raise TeleserviceError(
            f"Le délai doit être compris entre {LPC_DELAY_MIN} et {LPC_DELAY_MAX} jours.", code="out_of_range"
        )
    _require_open(school, ServiceCode.LPC, "le délai de publication")
    row = _locked_settings(school)
    if row.lpc_delay_days == days:
        return
    old = row.lpc_delay_days
    row.lpc_delay_days = days
    row.save(update_fields=["lpc_delay_days", "updated_at"])
    _record(school=school, setting=Setting.LPC_DELAY, old=f"{old} jours", new=f"{days} jours", by=by)


# --- B8 contact link -------------------------------------------------------------------------


def _contact_label(active: bool, email: str) -> str:
    return f"{'Actif' if active else 'Non actif'}{f' ({email})' if email else ''}"


@transaction.atomic
def contact_link_update(*, school: School, active: bool, email: str, by: User | None) -> None:
    """Offer families a "contact the school" link, received at one of the school's addresses (B8)."""
    email = (email or "").strip()
    if not school.emails:
        raise TeleserviceError(
            "L'établissement n'a aucune adresse électronique dans SIECLE : le lien de contact ne peut pas être réglé.",
            code="no_school_email",
        )
    if email and email not in school.emails:
        raise TeleserviceError("Choisissez une adresse de l'établissement.", code="foreign_email")
    if active and not email:
        raise TeleserviceError("Un lien de contact actif demande une adresse de réception.", code="email_required")
    row = _locked_settings(school)
    if row.contact_active == active and row.contact_email == email:
        return
    old = _contact_label(row.contact_active, row.contact_email)
    row.contact_active = active
    row.contact_email = email
    row.save(update_fields=["contact_active", "contact_email", "updated_at"])
    _record(school=school, setting=Setting.CONTACT, old=old, new=_contact_label(active, email), by=by)

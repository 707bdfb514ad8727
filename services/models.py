"""Téléservices of a school: activation, opening of each national service, settings (SPEC B1–B8).

One `SchoolSettings` row per school holds the activation and every setting; one `ServiceState`
row per (school, service) says whether the service is open; `NotesPublicationDate` holds the
deadlines of the "à échéance" notes publication per (MEF, division); `SettingChange` is the
history of every change (who, when, old and new value).
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from siecle.models import Division, Ent, Mef, School

from .catalogue import ServiceCode
from .welcome import visible_text

LPC_DELAY_MIN = 2
LPC_DELAY_MAX = 365
LPC_DELAY_DEFAULT = 8
WELCOME_MESSAGE_MAX = 1000
WELCOME_SOURCE_MAX = 10_000  # what is typed, link addresses included: a bound on the stored HTML
SIGNATORY_MAX = 100
# Control and format characters (tabs, line breaks, zero-width and direction marks), line and
# paragraph separators: nothing a name printed on one line of a letter needs.
_NOT_IN_A_NAME = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def signatory_cleaned(value: str) -> str:
    """The signatory's name as the letters print it: plain text on one line, spaces collapsed.

    Raises `ValidationError` (French message) for a control character, `<` or `>`, or more than
    `SIGNATORY_MAX` characters. "" means no name: the letters sign with the title alone.
    """
    text = unicodedata.normalize("NFC", value or "")
    # Spaces of every width (the non-breaking ones a word processor pastes) are one plain space.
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    text = re.sub(" {2,}", " ", text).strip(" ")
    if any(unicodedata.category(ch) in _NOT_IN_A_NAME for ch in text):
        raise ValidationError(
            "Le nom du signataire ne peut contenir ni tabulation, ni retour à la ligne, ni caractère invisible.",
            code="control_character",
        )
    if "<" in text or ">" in text:
        raise ValidationError("Le nom du signataire ne peut pas contenir les signes < et >.", code="markup")
    if len(text) > SIGNATORY_MAX:
        raise ValidationError(
            f"Le nom du signataire compte {len(text)} caractères ; {SIGNATORY_MAX} au plus sont acceptés.",
            code="too_long",
        )
    return text


class LetterType(models.TextChoices):
    TELESERVICES = "teleservices", "Téléservices"
    MIXED = "mixed", "Mixte ENT/Téléservices"
    ENT_ONLY = "ent_only", "ENT seul"


class NotesMode(models.TextChoices):
    CONTINUOUS = "continuous", "Au fil de l'eau"
    DEADLINE = "deadline", "À échéance"


class SchoolSettings(models.Model):
    """Activation and settings of the téléservices of one school; defaults apply until changed."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="teleservice_settings")
    activated_at = models.DateTimeField("téléservices activés le", null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    welcome_message = models.TextField("message d'accueil (HTML nettoyé)", blank=True)
    letter_type = models.CharField(
        "type de courrier", max_length=20, choices=LetterType.choices, default=LetterType.TELESERVICES
    )
    # PROTECT: deleting the ENT of a school's letter (Django admin) would change the letter
    # setting without its history row; the academy first has the school choose another ENT.
    letter_ent = models.ForeignKey(
        Ent, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="ENT du courrier"
    )
    notes_mode = models.CharField(
        "publication des notes", max_length=20, choices=NotesMode.choices, default=NotesMode.CONTINUOUS
    )
    lpc_delay_days = models.PositiveSmallIntegerField("délai de publication du LPC (jours)", default=LPC_DELAY_DEFAULT)
    contact_active = models.BooleanField("lien de contact actif", default=False)
    contact_email = models.EmailField("courriel de contact", blank=True)
    letter_signatory = models.CharField("signataire des courriers", max_length=SIGNATORY_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "paramétrage des téléservices"
        verbose_name_plural = "paramétrages des téléservices"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lpc_delay_days__gte=LPC_DELAY_MIN, lpc_delay_days__lte=LPC_DELAY_MAX),
                name="settings_lpc_delay_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Paramétrage de {self.school}"

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None


class ServiceState(models.Model):
    """Whether one national service is open in one school (no row: closed)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="service_states")
    service = models.CharField("téléservice", max_length=20, choices=ServiceCode.choices)
    is_open = models.BooleanField("ouvert", default=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "état d'un téléservice"
        constraints = [models.UniqueConstraint(fields=["school", "service"], name="service_state_unique")]

    def __str__(self) -> str:
        return f"{self.school.uaj} {self.get_service_display()} : {'ouvert' if self.is_open else 'fermé'}"


class NotesPublicationDate(models.Model):
    """One deadline of the "à échéance" notes publication for a (MEF, division) couple."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="notes_publication_dates")
    mef = models.ForeignKey(Mef, on_delete=models.CASCADE, related_name="+")
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="+")
    date = models.DateField("date de publication")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "date de publication des notes"
        verbose_name_plural = "dates de publication des notes"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "mef", "division", "date"], name="notes_date_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.mef} / {self.division} : {self.date:%d/%m/%Y}"


class Setting(models.TextChoices):
    """What a history row is about."""

    ACTIVATION = "activation", "Activation des téléservices"
    SERVICE_ABSENCES = "service:absences", "Consultation des absences"
    SERVICE_LPC = "service:lpc", "Consultation du LPC"
    SERVICE_NOTES = "service:notes", "Consultation des notes"
    SERVICE_B2I = "service:b2i", "Brevet informatique et internet"
    WELCOME_MESSAGE = "welcome_message", "Message d'accueil"
    LETTER = "letter", "Courrier de notification"
    NOTES_MODE = "notes_mode", "Type de publication des notes"
    NOTES_DATES = "notes_dates", "Dates de publication des notes"
    LPC_DELAY = "lpc_delay", "Délai de publication du LPC"
    CONTACT = "contact", "Lien de contact établissement"
    LETTER_SIGNATORY = "letter_signatory", "Signataire des courriers"


class SettingChange(models.Model):
    """History: one change of a téléservice state or setting, with who made it and when."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="setting_changes")
    setting = models.CharField("paramètre", max_length=30, choices=Setting.choices)
    old_value = models.TextField("ancienne valeur", blank=True)
    new_value = models.TextField("nouvelle valeur", blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by_name = models.CharField("modifié par", max_length=150, blank=True)
    changed_at = models.DateTimeField("modifié le", auto_now_add=True)

    class Meta:
        verbose_name = "modification du paramétrage"
        verbose_name_plural = "historique du paramétrage"
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["school", "setting", "-changed_at"], name="setting_change_school_idx")]

    def __str__(self) -> str:
        return f"{self.school.uaj} {self.get_setting_display()} : {self.old_value} → {self.new_value}"

    def _readable(self, value: str) -> str:
        if self.setting == Setting.WELCOME_MESSAGE:
            # The stored value is HTML: show what families read.
            return " ".join(visible_text(value).split())
        return value

    @property
    def old_display(self) -> str:
        return self._readable(self.old_value)

    @property
    def new_display(self) -> str:
        return self._readable(self.new_value)

"""Activation codes of guardians (CAR) and of students (CAE), their history and the refusals.

One table holds both kinds (about 2M rows academy-wide): a CAR belongs to a student–guardian
link, a CAE to a student alone. The database itself guarantees the rules that must never
break, whatever the code path or the concurrency:
- a code value is unique in the academy (through its keyed lookup hash: the value itself is
  stored only sealed, see `codes.sealing` and docs/codes-at-rest.md);
- a (student, guardian) pair has at most one valid CAR, a student at most one valid CAE
  (partial unique indexes);
- a pair or a student has at most one refusal on record.
The families' account lives in the téléservices database: only its id is kept here.

The tables keep the names they had when these models lived in `car/` (`car_activationcode`,
...): moving the models to this app changed no table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from siecle.models import GuardianLink, School, Student

from . import sealing, values


class CodeKind(models.TextChoices):
    CAR = "R", "CAR (responsable)"
    CAE = "E", "CAE (élève)"


class NotificationMode(models.TextChoices):
    EMAIL = "M", "Mél"
    LETTER = "C", "Courrier"
    UNKNOWN = "I", "Inconnu"


class EventKind(models.TextChoices):
    CREATION = "creation", "Création"
    INVALIDATION = "invalidation", "Invalidation"
    USE = "use", "Utilisation"
    NOTIFICATION = "notification", "Notification"
    CONTINUITY = "continuity", "Continuité d'accès"
    REFUSAL = "refusal", "Accès enlevé (refus enregistré)"
    REFUSAL_LIFTED = "refusal_lifted", "Accès autorisé (refus levé)"
    LOCK = "lock", "Code bloqué (dates de naissance erronées)"
    PASSWORD_RESET = "password_reset", "Réinitialisation du mot de passe du compte"


class ActivationCode(models.Model):
    kind = models.CharField("type", max_length=1, choices=CodeKind.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="activation_codes", db_index=False)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="activation_codes", db_index=False)
    link = models.ForeignKey(
        GuardianLink,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activation_codes",
        db_index=False,
    )
    # The code is never stored in clear: sealed with AES-GCM (`value_sealed`) and found by its
    # keyed hash (`value_lookup`, unique). `value` below reads and writes both.
    value_sealed = models.CharField("code chiffré", max_length=sealing.TOKEN_MAX, editable=False)
    value_lookup = models.CharField("empreinte du code", max_length=sealing.LOOKUP_HEX, unique=True, editable=False)
    is_valid = models.BooleanField("valide", default=True)
    created_at = models.DateTimeField("créé le")
    # The last change of the code, as the history columns show it ("10/12/12 Création").
    changed_at = models.DateTimeField("date dernière modif.")
    change_kind = models.CharField("dernière modification", max_length=20, choices=EventKind.choices)
    invalidated_at = models.DateTimeField("invalidé le", null=True, blank=True)
    notified_at = models.DateField("date de notification", null=True, blank=True)
    notification_mode = models.CharField(
        "mode de notification", max_length=1, choices=NotificationMode.choices, blank=True
    )
    continuity_at = models.DateField("date de continuité d'accès", null=True, blank=True)
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    # Id of the families' account (téléservices database): no foreign key across databases.
    account_id = models.BigIntegerField("compte téléservices", null=True, blank=True)

    class Meta:
        db_table = "car_activationcode"
        verbose_name = "code d'activation"
        verbose_name_plural = "codes d'activation"
        constraints = [
            models.UniqueConstraint(
                fields=["link"],
                condition=Q(is_valid=True, kind=CodeKind.CAR),
                name="code_one_valid_car_per_link",
            ),
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(is_valid=True, kind=CodeKind.CAE),
                name="code_one_valid_cae_per_student",
            ),
            models.CheckConstraint(
                condition=Q(kind=CodeKind.CAR, link__isnull=False) | Q(kind=CodeKind.CAE, link__isnull=True),
                name="code_car_has_link_cae_has_none",
            ),
            models.CheckConstraint(condition=~Q(value_sealed=""), name="code_sealed_not_empty"),
            models.CheckConstraint(condition=~Q(value_lookup=""), name="code_lookup_not_empty"),
        ]
        indexes = [
            models.Index(fields=["link", "created_at"], name="code_link_idx"),
            models.Index(fields=["student", "kind", "created_at"], name="code_student_idx"),
            models.Index(fields=["school", "kind", "is_valid"], name="code_school_kind_valid_idx"),
            models.Index(fields=["account_id"], name="code_account_idx", condition=Q(account_id__isnull=False)),
        ]

    def __str__(self) -> str:
        # Never the value: the admin and logs show this.
        return f"{self.get_kind_display()} n° {self.pk}"

    @property
    def value(self) -> str:
        """The code in clear, decrypted: only for a letter, an e-mail or the pair/student screen."""
        return sealing.unseal(self.value_sealed)

    @value.setter
    def value(self, clear: str) -> None:
        self.value_sealed, self.value_lookup = sealing.sealed_pair(clear)

    @property
    def display(self) -> str:
        """The printed form of the code (decrypts it)."""
        return values.display(self.value)

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class AccessRefusal(models.Model):
    """Access to the téléservices refused (a returned slip, or "Enlever l'accès").

    For a CAR: the pair (student, guardian); for a CAE: the student. Lifting the refusal
    deletes the row; the history keeps both events.
    """

    kind = models.CharField("type", max_length=1, choices=CodeKind.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="access_refusals")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="access_refusals")
    link = models.ForeignKey(
        GuardianLink, on_delete=models.PROTECT, null=True, blank=True, related_name="access_refusals"
    )
    recorded_at = models.DateTimeField("enregistré le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "car_accessrefusal"
        verbose_name = "refus d'accès"
        verbose_name_plural = "refus d'accès"
        constraints = [
            models.UniqueConstraint(fields=["link"], condition=Q(kind=CodeKind.CAR), name="refusal_one_per_link"),
            models.UniqueConstraint(fields=["student"], condition=Q(kind=CodeKind.CAE), name="refusal_one_per_student"),
            models.CheckConstraint(
                condition=Q(kind=CodeKind.CAR, link__isnull=False) | Q(kind=CodeKind.CAE, link__isnull=True),
                name="refusal_car_has_link_cae_has_none",
            ),
        ]
        indexes = [models.Index(fields=["school", "kind"], name="refusal_school_kind_idx")]

    def __str__(self) -> str:
        return f"Refus {self.get_kind_display()} de {self.link or self.student}"


class CodeEvent(models.Model):
    """One line of history: what happened to a pair's or a student's access, when, by whom."""

    kind = models.CharField("type", max_length=1, choices=CodeKind.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="code_events")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="code_events", db_index=False)
    link = models.ForeignKey(
        GuardianLink, on_delete=models.PROTECT, null=True, blank=True, related_name="code_events", db_index=False
    )
    code = models.ForeignKey(ActivationCode, on_delete=models.PROTECT, null=True, blank=True, related_name="events")
    event = models.CharField("événement", max_length=20, choices=EventKind.choices)
    mode = models.CharField("mode", max_length=1, choices=NotificationMode.choices, blank=True)
    detail = models.CharField("précision", max_length=200, blank=True)
    at = models.DateTimeField("date")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "car_codeevent"
        verbose_name = "événement de code"
        verbose_name_plural = "historique des codes"
        indexes = [
            models.Index(fields=["link", "at"], name="event_link_idx"),
            models.Index(fields=["student", "kind", "at"], name="event_student_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y} {self.get_event_display()}"

"""What the school's SIECLE modules hold for families to consult (SPEC F4, B5–B7).

Absences per half-day (SIECLE Absences), evaluations and their marks (SIECLE Notes), the LPC
palier 3 validations and the B2i items validated. Filled by `seed_demo` and by
`manage.py import_consultation`. None of it goes to the families' side as is: the
replication copies only what the publication rules of `consultation.publication` allow
(docs/consultation.md), and never an absence's state or reason, nor a teacher's name.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.catalogue import B2I_DOMAINS, LPC_COMPETENCES
from siecle.models import Division, School, Student


class HalfDay(models.TextChoices):
    MORNING = "M", "Matin"
    AFTERNOON = "A", "Après-midi"


class AbsenceState(models.TextChoices):
    REPORTED = "signalee", "Signalée (non traitée)"
    NOTED = "constatee", "Constatée"
    LEGITIMATE = "legitime", "Légitime"
    CLASSIFIED = "classee", "Classée"
    CANCELLED = "annulee", "Annulée"


# B6: only these states are published (manual §5.3.4).
PUBLISHED_ABSENCE_STATES = (AbsenceState.NOTED, AbsenceState.LEGITIMATE, AbsenceState.CLASSIFIED)


class Absence(models.Model):
    """A student's absence for one half-day, with the state the school gave it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="absences")
    date = models.DateField("date")
    half_day = models.CharField("demi-journée", max_length=1, choices=HalfDay.choices)
    state = models.CharField("état", max_length=10, choices=AbsenceState.choices)
    reason = models.CharField("motif", max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "absence"
        constraints = [
            models.UniqueConstraint(fields=["student", "date", "half_day"], name="absence_unique_half_day"),
        ]
        indexes = [models.Index(fields=["school", "date"], name="absence_school_date_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.get_half_day_display()} ({self.get_state_display()})"


class Evaluation(models.Model):
    """A test (contrôle) of a division, with the date from which its teacher publishes it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField("identifiant (module Notes)", max_length=40)
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField("matière", max_length=80)
    label = models.CharField("libellé", max_length=120)
    teacher = models.CharField("professeur", max_length=100, blank=True)
    evaluated_on = models.DateField("date du contrôle")
    coefficient = models.DecimalField("coefficient", max_digits=5, decimal_places=2, default=1)
    scale = models.PositiveSmallIntegerField(
        "noté sur", default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    publish_on = models.DateField("date de publication")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "contrôle"
        constraints = [models.UniqueConstraint(fields=["school", "ref"], name="evaluation_unique_ref")]
        indexes = [models.Index(fields=["publish_on"], name="evaluation_publish_idx")]

    def __str__(self) -> str:
        return f"{self.subject} — {self.label} ({self.evaluated_on})"


class MarkStatus(models.TextChoices):
    MARKED = "note", "Noté"
    ABSENT = "abs", "Absent"
    EXEMPT = "disp", "Dispensé"
    NOT_MARKED = "nn", "Non noté"


class Mark(models.Model):
    """One student's result in one evaluation: a mark, or absent / dispensé / non noté."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="marks")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="marks")
    status = models.CharField("statut", max_length=4, choices=MarkStatus.choices, default=MarkStatus.MARKED)
    value = models.DecimalField("note", max_digits=5, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "note"
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "student"], name="mark_unique_student"),
            models.CheckConstraint(
                condition=(
                    models.Q(status="note", value__isnull=False)
                    | (~models.Q(status="note") & models.Q(value__isnull=True))
                ),
                name="mark_value_iff_marked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.evaluation_id}: {self.value if self.value is not None else self.get_status_display()}"


class CompetenceValidation(models.Model):
    """An LPC palier 3 competence validated for a student; no row: not validated."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="competences")
    competence = models.PositiveSmallIntegerField(
        "compétence", choices=sorted(LPC_COMPETENCES.items()), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    validated_on = models.DateField("validée le")
    entered_on = models.DateField("saisie le")  # B7's delay counts from this day

    class Meta:
        verbose_name = "compétence validée (LPC)"
        verbose_name_plural = "compétences validées (LPC)"
        constraints = [
            models.UniqueConstraint(fields=["student", "competence"], name="competence_unique_per_student"),
        ]
        indexes = [models.Index(fields=["entered_on"], name="competence_entered_idx")]

    def __str__(self) -> str:
        return f"{self.student_id} compétence {self.competence} ({self.validated_on})"


class B2iValidation(models.Model):
    """A B2i item validated for a student."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="b2i_items")
    item = models.CharField("item", max_length=5)  # consultation.catalogue.B2I_ITEMS
    domain = models.PositiveSmallIntegerField("domaine", choices=sorted(B2I_DOMAINS.items()))
    validated_on = models.DateField("validé le")

    class Meta:
        verbose_name = "item B2i validé"
        verbose_name_plural = "items B2i validés"
        constraints = [models.UniqueConstraint(fields=["student", "item"], name="b2i_unique_per_student")]

    def __str__(self) -> str:
        return f"{self.student_id} B2i {self.item} ({self.validated_on})"

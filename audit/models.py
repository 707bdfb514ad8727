"""The journal of reads: who exported a list, downloaded letters or looked at code values.

One `ReadEvent` per read, written before the data leaves (before a CSV or a PDF streams, before
a code screen renders): a download cut half-way is still in the journal. Kept
`AUDIT_RETENTION_DAYS`, then purged by a beat task (`audit.tasks.read_events_purge`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from siecle.models import Academy, School


class ReadKind(models.TextChoices):
    EXPORT = "export", "Export CSV"
    LETTERS = "letters", "Courriers PDF"
    CODES = "codes", "Consultation de codes"


# How the journal names what was read. The keys are the `what` the reading views give (their
# export's name, or the kind of screen); a name missing here is shown as it was recorded.
WHAT_LABELS = {
    "car-couples": "Liste des couples (responsable, élève)",
    "car-creation": "Liste de création des codes des responsables",
    "cae-eleves": "Liste des élèves",
    "statistiques-eleves": "Synthèse codes élèves",
    "statistiques-responsables": "Synthèse codes responsables",
    "statistiques-eleves-academie": "Synthèse codes élèves de l’académie",
    "statistiques-responsables-academie": "Synthèse codes responsables de l’académie",
    "journal-academie": "Journal des consultations de l’académie",
    "couple": "Codes du couple",
    "élève": "Codes de l’élève",
    "courriers": "Courriers",
}


class ReadEvent(models.Model):
    created_at = models.DateTimeField("date et heure")
    # The reader; the login is kept too, so the row still says who once the account is deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="read_events"
    )
    username = models.CharField("identifiant", max_length=150)
    # The school whose data was read; none for an academy-wide read (the academy's statistics,
    # its journal), which has only the academy. A school's read has both (the academy's pages).
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="read_events")
    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="read_events")
    kind = models.CharField("lecture", max_length=10, choices=ReadKind.choices)
    # The export's name, or what was shown ("couple", "élève", "courriers").
    what = models.CharField("objet", max_length=100)
    # The pair's or student's id, the letters job's id; empty for a list.
    object_id = models.CharField("identifiant de l'objet", max_length=40, blank=True)
    rows = models.PositiveIntegerField("lignes")
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    path = models.CharField("adresse demandée", max_length=300, blank=True)

    class Meta:
        verbose_name = "consultation"
        verbose_name_plural = "journal des consultations"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "created_at"], name="readevent_school_time"),
            models.Index(fields=["academy", "created_at"], name="readevent_academy_time"),
            # The retention's purge reads by age alone.
            models.Index(fields=["created_at"], name="readevent_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_kind_display()} {self.target}"

    @property
    def target(self) -> str:
        """What was read, as the journal's page shows it."""
        label = WHAT_LABELS.get(self.what, self.what)
        if not self.object_id:
            return label
        if self.object_id.isdigit():
            return f"{label} n° {self.object_id}"
        return f"{label} (lot {self.object_id[:8]})"

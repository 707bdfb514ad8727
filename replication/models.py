"""The replication's own tables, in the SIECLE base: the change journal, the run log, the lock.

- `Change` (`replication_change`): one row per changed row of a journaled table, written by
  database triggers in the same transaction as the change (`replication/journal.py`); a run
  claims rows, copies what they name, then deletes them.
- `Run`: the log of each run (start, end, counts per kind down and up, errors).
- `RunLock`: one row, the lock of the embedded default (SQLite has no advisory locks);
  PostgreSQL uses `pg_try_advisory_lock` instead and never reads this table.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class Change(models.Model):
    """A row of the SIECLE base that changed (inserted, updated or deleted) since the last run."""

    class Op(models.TextChoices):
        INSERT = "I", "Ajout"
        UPDATE = "U", "Modification"
        DELETE = "D", "Suppression"

    id = models.BigAutoField(primary_key=True)
    # The table of the row to look at again (`siecle_student`…), see journal.JOURNALED.
    label = models.CharField("table", max_length=63)
    row_id = models.BigIntegerField("ligne")
    school_id = models.BigIntegerField("établissement", null=True, blank=True)
    op = models.CharField("opération", max_length=1, choices=Op.choices)
    created_at = models.DateTimeField("le", db_default=Now())

    class Meta:
        db_table = "replication_change"
        verbose_name = "changement à répliquer"
        verbose_name_plural = "journal des changements"
        indexes = [models.Index(fields=["school_id"], name="change_school_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.row_id} ({self.op})"


class Run(models.Model):
    """One run of the replication, as IT staff read it."""

    class Status(models.TextChoices):
        RUNNING = "running", "En cours"
        SUCCEEDED = "succeeded", "Réussie"
        FAILED = "failed", "Échouée"
        INTERRUPTED = "interrupted", "Interrompue"

    started_at = models.DateTimeField("début")
    # The day the publication rules were computed for (consultation: docs/consultation.md).
    as_of = models.DateField("date des règles de publication", null=True, blank=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.RUNNING)
    full = models.BooleanField("complète", default=False)
    uaj = models.CharField("établissements", max_length=200, blank=True)
    origin = models.CharField("lancée par", max_length=30, blank=True)
    # {"down": {"student": {"upserted": n, "deleted": n}, …}, "up": {…}, "continuity": {…}}
    counts = models.JSONField("comptes", default=dict, blank=True)
    journal_rows = models.PositiveIntegerField("lignes du journal traitées", default=0)
    changed = models.PositiveIntegerField("lignes modifiées côté téléservices", default=0)
    error = models.TextField("erreur", blank=True)
    log = models.TextField("compte rendu", blank=True)

    class Meta:
        verbose_name = "réplication"
        verbose_name_plural = "réplications"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["-started_at"], name="run_started_idx")]

    def __str__(self) -> str:
        return f"Réplication du {self.started_at:%d/%m/%Y %H:%M} ({self.get_status_display()})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class RunLock(models.Model):
    """The lock of the embedded default (SQLite): one row, taken in an IMMEDIATE transaction."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    holder = models.CharField(max_length=100, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "verrou de la réplication"

    def __str__(self) -> str:
        return self.holder or "libre"

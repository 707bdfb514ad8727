"""Reads of the run log, for the academy IT staff's page."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Run

# The page is French: the log's keys (table kinds, what came back up) get their screen names.
KIND_LABELS = {
    "school": "établissements",
    "mef": "MEF",
    "division": "divisions",
    "student": "élèves",
    "guardian": "responsables",
    "link": "liens élève-responsable",
    "code": "codes",
    "notes_deadline": "dates de publication des notes",
    "absence": "absences",
    "mark": "notes",
    "competence": "compétences du LPC",
    "b2i": "items du B2i",
}
UP_LABELS = {
    "usage": "codes utilisés",
    "lock": "codes bloqués",
    "already": "déjà enregistrés",
    "refused": "rejetés",
}


def runs_recent() -> QuerySet[Run]:
    """Every run, newest first (the page paginates)."""
    return Run.objects.order_by("-started_at", "-id")


def run_kinds(run: Run) -> list[dict]:
    """The run's counts per copied table, in the log's order: kind, rows copied or updated, deleted."""
    down = (run.counts or {}).get("down") or {}
    return [
        {"kind": KIND_LABELS.get(kind, kind), "upserted": c.get("upserted", 0), "deleted": c.get("deleted", 0)}
        for kind, c in down.items()
        if c.get("upserted") or c.get("deleted")
    ]


def run_up(run: Run) -> dict:
    """What came back up (outbox) during the run, per kind (its screen name)."""
    return {UP_LABELS.get(kind, kind): n for kind, n in ((run.counts or {}).get("up") or {}).items()}

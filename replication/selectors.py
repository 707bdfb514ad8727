"""Reads of the run log, for the academy IT staff's page."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Run


def runs_recent() -> QuerySet[Run]:
    """Every run, newest first (the page paginates)."""
    return Run.objects.order_by("-started_at", "-id")


def run_kinds(run: Run) -> list[dict]:
    """The run's counts per copied table, in the log's order: kind, rows copied or updated, deleted."""
    down = (run.counts or {}).get("down") or {}
    return [
        {"kind": kind, "upserted": c.get("upserted", 0), "deleted": c.get("deleted", 0)}
        for kind, c in down.items()
        if c.get("upserted") or c.get("deleted")
    ]


def run_up(run: Run) -> dict:
    """What came back up (outbox) during the run, per kind."""
    return dict((run.counts or {}).get("up") or {})

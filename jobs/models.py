"""Background jobs with progress, shown to the school that started them (imports, letters)."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from siecle.models import School


class JobState(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminée"
    FAILED = "failed", "Échec"


def stale_after() -> datetime.timedelta:
    """Past this age (from its start, or its creation when it never started) an unfinished job
    is dead: every task has a hard time limit, so its worker died or the queue never ran it."""
    return datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 300)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField("type", max_length=50)
    state = models.CharField("état", max_length=10, choices=JobState.choices, default=JobState.PENDING)
    done = models.PositiveBigIntegerField("fait", default=0)
    total = models.PositiveBigIntegerField("total", default=0)
    message = models.CharField("message", max_length=300, blank=True)
    params = models.JSONField("paramètres", default=dict, blank=True)
    result = models.JSONField("résultat", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "tâche"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "kind", "-created_at"], name="job_school_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.get_state_display()} ({self.school.uaj})"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def is_stale(self) -> bool:
        """Not finished long after any task's time limit: its worker died, or the queue is down."""
        if self.is_finished:
            return False
        return timezone.now() - (self.started_at or self.created_at) > stale_after()

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0

"""The e-mail outbox: one row per message to a guardian, sent by Celery tasks (SPEC C3, C5).

A row never holds a code value: it names the pairs (link ids) and the codes (code ids) it
carries, and the body is rendered from `notifications.content` at the moment of sending.
The idempotency key (batch + guardian) makes a second enqueue of the same batch a no-op; the
state moves queued -> sending -> sent, or to retrying (a temporary SMTP failure, tried again
later) or failed (a permanent one, with a French reason that holds no code value).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from siecle.models import Guardian, School


class OutboxState(models.TextChoices):
    QUEUED = "queued", "En attente"
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    RETRYING = "retrying", "Nouvel essai prévu"
    FAILED = "failed", "Échec"


class OutboxMessage(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="outbox_messages")
    guardian = models.ForeignKey(
        Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbox_messages", db_index=False
    )
    # Ids only: the pairs and the codes this message carries (never the code values).
    link_ids = models.JSONField("couples", default=list)
    code_ids = models.JSONField("codes", default=list)
    recipient = models.EmailField("destinataire")
    reply_to = models.EmailField("réponse à", blank=True)
    subject = models.CharField("objet", max_length=200)
    idempotency_key = models.CharField("clé d'unicité", max_length=100, unique=True)
    batch = models.UUIDField("lot")
    state = models.CharField("état", max_length=10, choices=OutboxState.choices, default=OutboxState.QUEUED)
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "courriel à envoyer"
        verbose_name_plural = "courriels (boîte d'envoi)"
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["batch", "state"], name="outbox_batch_state_idx"),
            models.Index(
                fields=["state", "next_attempt_at"],
                name="outbox_pending_idx",
                condition=Q(state__in=["queued", "sending", "retrying"]),
            ),
            models.Index(fields=["school", "-created_at"], name="outbox_school_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (OutboxState.SENT, OutboxState.FAILED)

"""Fault: the SMTP server is down, then back.

A real worker sends through a TCP forwarder to a real SMTP server (aiosmtpd); stopping the
forwarder makes the server unreachable for the worker only. The messages queued meanwhile are
retried with a growing delay (the outbox's backoff), none is lost or sent twice, and all leave
once the server answers again: e-mails received equal the outbox rows, codes notified once.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from codes.models import ActivationCode, NotificationMode
from notifications.emails import emails_batch_counts, emails_enqueue, outbox_sweep
from notifications.models import OutboxMessage, OutboxState
from notifications.tests.conftest import smtp_sink  # noqa: F401 — the fixture is used by name
from tests.tcp_proxy import TcpProxy

from .conftest import (
    assert_one_valid_car_per_pair,
    assert_sent_equals_outbox,
    families_with_codes,
    poll,
    start_worker,
    stop,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAMILIES = 12


def _retrying_after(attempts: int) -> bool:
    return OutboxMessage.objects.filter(state=OutboxState.RETRYING, attempts=attempts).count() == FAMILIES


def test_mails_queued_while_the_smtp_server_is_down_leave_once_it_is_back(
    smtp_sink,  # noqa: F811
    purged_queue,
    school,
    head,
    settings,
):
    settings.EMAIL_OUTBOX_BATCH_SIZE = 5
    links = families_with_codes(school, head, FAMILIES)
    proxy = TcpProxy("127.0.0.1", settings.EMAIL_PORT).start()
    worker = start_worker(EMAIL_PORT=str(proxy.port), EMAIL_OUTBOX_BATCH_SIZE="5", EMAIL_TIMEOUT="5")
    try:
        proxy.stop()  # the SMTP server goes down for the worker
        batch = uuid.uuid4()
        assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch) == FAMILIES

        # Each message is tried, fails on the refused connection, and waits for its retry.
        poll(lambda: _retrying_after(1), timeout=60, what="every message to wait for a first retry")
        first = list(OutboxMessage.objects.values_list("next_attempt_at", "updated_at", "last_error"))
        base = datetime.timedelta(seconds=settings.EMAIL_OUTBOX_RETRY_BASE_SECONDS)
        for next_attempt_at, failed_at, error in first:
            assert next_attempt_at - failed_at == pytest.approx(base, abs=datetime.timedelta(seconds=2))
            assert error == "Serveur de messagerie injoignable : nouvel essai prévu."
        assert smtp_sink.count() == 0
        assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()

        # The beat's sweep (time moved past the retry) queues them again: still down, the delay doubles.
        later = max(n for n, _, _ in first) + datetime.timedelta(seconds=1)
        assert outbox_sweep(now=later) == FAMILIES
        poll(lambda: _retrying_after(2), timeout=60, what="every message to wait for a second retry")
        for next_attempt_at, failed_at in OutboxMessage.objects.values_list("next_attempt_at", "updated_at"):
            assert next_attempt_at - failed_at == pytest.approx(2 * base, abs=datetime.timedelta(seconds=2))
        assert outbox_sweep(now=timezone.now()) == 0  # not due yet: nothing is sent early

        proxy.start()  # the SMTP server is back, on the same port
        due = max(OutboxMessage.objects.values_list("next_attempt_at", flat=True)) + datetime.timedelta(seconds=1)
        assert outbox_sweep(now=due) == FAMILIES
        poll(lambda: emails_batch_counts(batch=batch)["sent"] == FAMILIES, timeout=60, what="every message to leave")
    finally:
        stop(worker)
        proxy.stop()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {3}
    assert_sent_equals_outbox(smtp_sink, count=FAMILIES)
    assert ActivationCode.objects.filter(notification_mode=NotificationMode.EMAIL).count() == FAMILIES
    assert_one_valid_car_per_pair(links)
    # Nothing is left to send: a later sweep sends nothing again.
    assert outbox_sweep(now=timezone.now() + datetime.timedelta(days=1)) == 0

"""End to end: the outbox, real Celery workers on Redis, a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime
import signal
import uuid

import pytest
from django.utils import timezone

from codes.models import ActivationCode, NotificationMode
from codes.tests.factories import make_car
from notifications.emails import emails_batch_counts, emails_enqueue, outbox_sweep
from notifications.models import OutboxMessage, OutboxState
from notifications.tests.conftest import start_worker, wait_until
from siecle.factories import DivisionFactory, GuardianFactory, GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def guardians_with_children(school, count: int, *, children: int = 1):
    """`count` guardians PARENT01, PARENT02... each with `children` children holding a valid CAR."""
    division = DivisionFactory(school=school, code="4B")
    links = []
    for n in range(1, count + 1):
        guardian = GuardianFactory(
            school=school, last_name=f"PARENT{n:02d}", first_name="Camille", email=f"parent{n:02d}@famille.test.example"
        )
        for c in range(children):
            student = StudentFactory(
                school=school, last_name=f"PARENT{n:02d}", first_name=f"Enfant{c}", division=division
            )
            link = GuardianLinkFactory(student=student, guardian=guardian, legal_rank=LegalRank.LEGAL_1)
            make_car(link)
            links.append(link)
    return links


def test_the_worker_sends_one_message_per_guardian_with_all_his_children(celery_worker, smtp_sink, school, head):
    links = guardians_with_children(school, 2, children=2)
    batch = uuid.uuid4()
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch) == 2
    wait_until(lambda: emails_batch_counts(batch=batch)["sent"] == 2, what="two messages sent")
    assert smtp_sink.count() == 2
    for n in (1, 2):
        (received,) = smtp_sink.to(f"parent{n:02d}@famille.test.example")
        message = received.message
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        codes = ActivationCode.objects.filter(link__guardian__last_name=f"PARENT{n:02d}")
        assert codes.count() == 2
        for code in codes:
            assert code.display in text and code.display in html
            assert code.notification_mode == NotificationMode.EMAIL and code.notified_at == timezone.localdate()
        assert "Enfant0" in text and "Enfant1" in text and "4B" in html


def test_a_temporary_refusal_is_retried_by_the_worker_and_notified_only_after(celery_worker, smtp_sink, school, head):
    (link,) = guardians_with_children(school, 1)
    smtp_sink.answers["parent01@famille.test.example"] = "451 4.7.1 Greylisted, try again later"
    batch = uuid.uuid4()
    emails_enqueue(school=school, link_ids=[link.pk], by=head, batch=batch)
    wait_until(lambda: emails_batch_counts(batch=batch)["retrying"] == 1, what="the message to be retried")
    code = ActivationCode.objects.get(link=link)
    assert code.notified_at is None and smtp_sink.count() == 0
    del smtp_sink.answers["parent01@famille.test.example"]
    row = OutboxMessage.objects.get()
    assert outbox_sweep(now=row.next_attempt_at + datetime.timedelta(seconds=1)) == 1
    wait_until(lambda: emails_batch_counts(batch=batch)["sent"] == 1, what="the retried message to be sent")
    code.refresh_from_db()
    assert code.notification_mode == NotificationMode.EMAIL
    assert smtp_sink.count() == 1
    assert OutboxMessage.objects.get().attempts == 2


def test_a_worker_killed_mid_batch_loses_and_doubles_no_message(
    celery_worker, smtp_sink, school, head, settings, monkeypatch
):
    settings.EMAIL_OUTBOX_BATCH_SIZE = 5
    links = guardians_with_children(school, 30)
    # The worker sends PARENT01..PARENT11, then hangs in the middle of PARENT12's message.
    smtp_sink.hold.add("parent12@famille.test.example")
    batch = uuid.uuid4()
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch) == 30
    assert smtp_sink.holding.wait(timeout=60), "the worker never reached PARENT12"
    celery_worker.send_signal(signal.SIGKILL)
    celery_worker.wait(timeout=10)
    assert smtp_sink.count() == 11
    stuck = OutboxMessage.objects.filter(state=OutboxState.SENDING).count()
    assert stuck >= 1  # claimed by the dead worker, never accepted
    smtp_sink.hold.clear()
    smtp_sink.release.set()

    second = start_worker()
    try:
        # The new worker takes the tasks still in the queue...
        wait_until(
            lambda: emails_batch_counts(batch=batch)["sent"] == 30 - stuck, what="the queued messages to be sent"
        )
        # ...and the sweep (Celery beat) gives it back what the dead worker held, once the timeout passed.
        later = timezone.now() + datetime.timedelta(seconds=settings.EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS + 1)
        assert outbox_sweep(now=later) == stuck
        wait_until(lambda: emails_batch_counts(batch=batch)["sent"] == 30, what="every message to be sent")
    finally:
        second.terminate()
        second.wait(timeout=10)
    received = [rcpt for message in smtp_sink.messages for rcpt in message.rcpt_tos]
    assert sorted(received) == [f"parent{n:02d}@famille.test.example" for n in range(1, 31)]
    assert ActivationCode.objects.filter(notification_mode=NotificationMode.EMAIL).count() == 30

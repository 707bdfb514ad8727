"""Retention: the journal of reads and the security log are purged past their age, in batches."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import ReadEvent, ReadKind
from audit.services import audit_read, audit_reads_purge
from staff.models import SignInEvent
from staff.security.retention import sign_in_events_purge

pytestmark = pytest.mark.django_db


def reads_aged(school, user, *days_ago: float) -> list[ReadEvent]:
    events = []
    for days in days_ago:
        event = audit_read(user=user, school=school, kind=ReadKind.EXPORT, what="car-couples", rows=1)
        ReadEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
        events.append(event)
    return events


def sign_ins_aged(*days_ago: float) -> list[SignInEvent]:
    return [
        SignInEvent.objects.create(
            created_at=timezone.now() - datetime.timedelta(days=days),
            kind=SignInEvent.Kind.FAILURE,
            username="chef",
            ip_address="192.0.2.1",
        )
        for days in days_ago
    ]


def test_reads_older_than_the_retention_are_deleted_the_others_kept(school, head, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    old = reads_aged(school, head, 400, 366, 365.5)
    kept = reads_aged(school, head, 364, 10, 0)
    assert audit_reads_purge(batch_size=2) == 3
    assert set(ReadEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not ReadEvent.objects.filter(pk__in=[e.pk for e in old]).exists()


def test_the_purge_works_through_many_batches(school, head, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    reads_aged(school, head, *([40] * 23), 1)
    assert audit_reads_purge(batch_size=5) == 23
    assert ReadEvent.objects.count() == 1
    assert audit_reads_purge(batch_size=5) == 0


def test_sign_in_events_older_than_their_retention_are_deleted(settings):
    settings.SIGN_IN_EVENT_RETENTION_DAYS = 180
    sign_ins_aged(200, 181)
    kept = sign_ins_aged(179, 1)
    assert sign_in_events_purge(batch_size=1) == 2
    assert set(SignInEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}


def test_the_security_log_keeps_what_the_throttle_still_counts(settings):
    """A retention shorter than the throttle's window would forgive an attacker's failures."""
    settings.SIGN_IN_EVENT_RETENTION_DAYS = 1
    settings.STAFF_THROTTLE_USERNAME_WINDOW_SECONDS = 3 * 24 * 60 * 60
    sign_ins_aged(4)
    counted = sign_ins_aged(2)
    assert sign_in_events_purge() == 1
    assert list(SignInEvent.objects.values_list("pk", flat=True)) == [counted[0].pk]


def test_the_command_purges_both_journals_and_says_how_many(school, head, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    settings.SIGN_IN_EVENT_RETENTION_DAYS = 180
    reads_aged(school, head, 500, 1)
    sign_ins_aged(300, 200, 2)
    out = io.StringIO()
    call_command("audit_purge", "--batch-size", "1", stdout=out)
    assert "Journal des consultations : 1 ligne(s) supprimée(s) (conservation 365 jours)." in out.getvalue()
    assert "Journal de sécurité des connexions : 2 ligne(s) supprimée(s) (conservation 180 jours)." in out.getvalue()
    assert ReadEvent.objects.count() == 1 and SignInEvent.objects.count() == 1


def test_the_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError) as refused:
        call_command("audit_purge", "--batch-size", "0")
    assert refused.value.returncode == 2


def test_both_purges_are_scheduled_on_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"audit.tasks.read_events_purge", "staff.tasks.sign_in_events_purge"} <= tasks


def test_a_read_keeps_its_login_once_the_account_is_deleted(school, head):
    event = audit_read(user=head, school=school, kind=ReadKind.CODES, what="couple", rows=1, object_id=7)
    head.delete()
    event.refresh_from_db()
    assert event.user is None and event.username == "chef"


def test_a_read_belongs_to_a_school_or_an_academy(head):
    with pytest.raises(ValueError):
        audit_read(user=head, school=None, kind=ReadKind.EXPORT, what="x", rows=0)


def test_the_beat_tasks_purge_on_a_real_worker(celery_worker, school, head, settings):
    """The tasks as beat queues them, run by a worker process (default retentions: 365 and 180 days)."""
    from audit.tasks import read_events_purge
    from staff.tasks import sign_in_events_purge as sign_in_task

    reads_aged(school, head, 400, 3)
    sign_ins_aged(190, 3)
    assert read_events_purge.delay().get(timeout=60) == 1
    assert sign_in_task.delay().get(timeout=60) == 1
    assert ReadEvent.objects.count() == 1 and SignInEvent.objects.count() == 1

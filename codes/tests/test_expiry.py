"""Codes never used expire once the school year after their creation has ended (codes/expiry.py)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from codes.expiry import EXPIRY_DETAIL, codes_expire_unused, expiry_cutoff
from codes.models import ActivationCode, CodeEvent, EventKind
from codes.signals import codes_revoked
from codes.tests.factories import make_car, make_pair
from tsadmin.celery import app

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 9, 15)  # school year 2027-2028


def created_on(code: ActivationCode, day: datetime.date) -> ActivationCode:
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    ActivationCode.objects.filter(pk=code.pk).update(created_at=moment, changed_at=moment)
    return code


def test_the_cutoff_is_the_start_of_the_previous_school_year():
    assert expiry_cutoff(datetime.date(2027, 9, 1)).date() == datetime.date(2026, 9, 1)
    assert expiry_cutoff(datetime.date(2027, 8, 31)).date() == datetime.date(2025, 9, 1)


def test_an_unused_code_of_two_school_years_ago_expires_and_the_others_stay(school, django_capture_on_commit_callbacks):
    expired = created_on(make_car(make_pair(school, last_name="ANCIEN")), datetime.date(2026, 8, 31))
    last_year = created_on(make_car(make_pair(school, last_name="RECENT")), datetime.date(2026, 9, 1))
    used = created_on(make_car(make_pair(school, last_name="UTILISE"), used=True), datetime.date(2024, 9, 10))
    sent = created_on(make_car(make_pair(school, last_name="ENVOYE")), datetime.date(2024, 9, 10))
    ActivationCode.objects.filter(pk=sent.pk).update(notified_at=datetime.date(2024, 9, 15))
    announced = []

    def receiver(sender, code_ids=(), **kwargs):
        announced.extend(code_ids)

    codes_revoked.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert codes_expire_unused(today=TODAY, batch=1) == 1
    finally:
        codes_revoked.disconnect(receiver)
    for code in (expired, last_year, used, sent):
        code.refresh_from_db()
    assert not expired.is_valid and expired.change_kind == EventKind.INVALIDATION
    assert last_year.is_valid and used.is_valid
    assert sent.is_valid  # a family holds it: never invalidated without the head asking
    event = CodeEvent.objects.get(code=expired, event=EventKind.INVALIDATION)
    assert event.detail == EXPIRY_DETAIL and event.by is None
    assert announced == [expired.pk]  # the families' side drops it at once
    assert codes_expire_unused(today=TODAY) == 0  # a second run finds nothing left


def test_the_expiry_runs_every_night_on_the_beat():
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["codes-expire-unused"]
    assert entry["task"] == "codes.tasks.codes_expire_unused_task"
    assert entry["task"] in app.tasks

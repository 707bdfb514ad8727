"""The nightly run: a beat entry at REPLICATION_HOUR, Paris time, calling the replication task."""

from celery.schedules import crontab
from django.conf import settings

from replication.tasks import replicate_task
from tsadmin.celery import app


def test_beat_runs_the_replication_every_night_at_the_replication_hour_paris_time():
    entry = settings.CELERY_BEAT_SCHEDULE["replication-nightly"]
    assert entry["task"] == replicate_task.name == "replication.tasks.replicate_task"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {settings.REPLICATION_HOUR} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/Paris"

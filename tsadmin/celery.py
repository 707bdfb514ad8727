"""The Celery application: JSON only, time limits from settings, tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")

app = Celery("tsadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _codes_expiry_schedule(sender, **kwargs) -> None:
    """Nightly, after the replication: the codes never used past their expiry are invalidated
    (codes/expiry.py). Added here rather than in settings' CELERY_BEAT_SCHEDULE, which another
    change owned when it came: it may move there (same name, same task)."""
    from celery.schedules import crontab

    sender.conf.beat_schedule.setdefault(
        "codes-expire-unused",
        {"task": "codes.tasks.codes_expire_unused_task", "schedule": crontab(hour=4, minute=30)},
    )

"""The Celery application: JSON only, time limits from settings, tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")

app = Celery("tsadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

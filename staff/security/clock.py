"""The one clock of sign-in security (throttle delays, session ages): tests move it."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()

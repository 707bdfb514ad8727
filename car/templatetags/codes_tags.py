"""Template filters of the code screens: a code as printed, a notification mode in words."""

from django import template

from car import codes
from car.models import EventKind, NotificationMode

register = template.Library()

_MODES = dict(NotificationMode.choices)
_EVENTS = dict(EventKind.choices)


@register.filter
def code_display(value: str | None) -> str:
    return codes.display(value) if value else ""


@register.filter
def mode_label(value: str | None) -> str:
    return _MODES.get(value or "", "")


@register.filter
def event_label(value: str | None) -> str:
    return _EVENTS.get(value or "", "")

"""Template filters of the code screens (CAR and CAE): a code as printed, a mode or an event in words."""

from django import template

from codes import values
from codes.models import EventKind, NotificationMode

register = template.Library()

_MODES = dict(NotificationMode.choices)
_EVENTS = dict(EventKind.choices)


@register.filter
def code_display(value: str | None) -> str:
    return values.display(value) if value else ""


@register.filter
def mode_label(value: str | None) -> str:
    return _MODES.get(value or "", "")


@register.filter
def event_label(value: str | None) -> str:
    return _EVENTS.get(value or "", "")

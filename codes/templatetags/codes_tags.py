"""Template filters of the code screens (CAR and CAE): a notification mode or an event in words."""

from django import template

from codes.models import EventKind, NotificationMode

register = template.Library()

_MODES = dict(NotificationMode.choices)
_EVENTS = dict(EventKind.choices)


@register.filter
def mode_label(value: str | None) -> str:
    return _MODES.get(value or "", "")


@register.filter
def event_label(value: str | None) -> str:
    return _EVENTS.get(value or "", "")

"""Writes on activation codes (SPEC C1, C2, C5, C8; the CAE app uses the same core).

`core` holds the lifecycle shared by both kinds of code, `guardians` the CAR rules. Every
screen, command and signal receiver calls these functions; none writes a code row itself.
"""

from car import codes

from .core import (
    CodeError,
    NewCode,
    Target,
    code_events_create,
    codes_continuity_record,
    codes_create_bulk,
    codes_invalidate,
    codes_notification_record,
    codes_usage_record,
)
from .guardians import (
    LEGAL_RANKS,
    CreationReport,
    car_create_bulk,
    car_invalidate,
    car_invalidate_for_links,
    car_invalidate_unnotified_bulk,
    car_refusal_lift,
    car_refusal_record,
    car_refusals_lift,
    car_refusals_record,
    car_regenerate,
)

__all__ = [
    "LEGAL_RANKS",
    "CodeError",
    "CreationReport",
    "NewCode",
    "Target",
    "car_create_bulk",
    "car_invalidate",
    "car_invalidate_for_links",
    "car_invalidate_unnotified_bulk",
    "car_refusal_lift",
    "car_refusal_record",
    "car_refusals_lift",
    "car_refusals_record",
    "car_regenerate",
    "code_events_create",
    "codes",
    "codes_continuity_record",
    "codes_create_bulk",
    "codes_invalidate",
    "codes_notification_record",
    "codes_usage_record",
]

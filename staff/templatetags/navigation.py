"""`{% navigation as nav %}`: the main menu and the breadcrumb of the current page (base.html)."""

from __future__ import annotations

from django import template

from staff.navigation import (
    MAIN_MENU,
    SCHOOL_CHOICE,
    SECONDARY_MENU,
    Navigation,
    Section,
    navigation_for,
    url_of,
)
from staff.receivers import ACADEMY_STAFF_SESSION_KEY

register = template.Library()


def _section(section: Section, nav: Navigation, *, academy_staff: bool = False, can=None) -> dict:
    entries = [
        {
            "label": entry.label,
            "url": url_of(entry.url_name, *entry.also),
            "current": entry.url_name == nav.current,
            "header": entry.header,
            "divider_before": entry.divider_before,
        }
        for entry in section.entries
        if (academy_staff or not entry.academy_staff)
        # Entries whose page the user's role would refuse are not offered (the page still checks).
        and (not entry.permission or (can is not None and entry.permission in can))
    ]
    return {
        "label": section.label,
        "url": url_of(section.url_name) if section.url_name else "",
        "current": section.label == nav.section,
        "entries": [e for e in entries if e["url"]],
    }


def _is_academy_staff(request) -> bool:
    """Whether the signed-in user staffs an academy (entries marked `academy_staff`).

    Read from the session, set at sign-in (staff/receivers.py): no query per page. The pages
    themselves check the membership; this only hides links.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return bool(request.session.get(ACADEMY_STAFF_SESSION_KEY, False))


@register.simple_tag(takes_context=True)
def navigation(context) -> dict:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    nav = navigation_for(match.view_name if match else None, parent=context.get("nav_parent"))
    staff = _is_academy_staff(request)
    can = context.get("can")
    main = [_section(s, nav, academy_staff=staff, can=can) for s in MAIN_MENU]
    return {
        # A section whose every entry the role hides is not shown at all.
        "main": [s for s in main if s["entries"] or s["url"]],
        "secondary": [_section(s, nav) for s in SECONDARY_MENU],
        "school_choice": _section(SCHOOL_CHOICE, nav),
        "trail": nav.trail,
    }

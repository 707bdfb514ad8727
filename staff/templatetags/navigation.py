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

register = template.Library()


def _section(section: Section, nav: Navigation) -> dict:
    entries = [
        {
            "label": entry.label,
            "url": url_of(entry.url_name, *entry.also),
            "current": entry.url_name == nav.current,
            "header": entry.header,
            "divider_before": entry.divider_before,
        }
        for entry in section.entries
    ]
    return {
        "label": section.label,
        "url": url_of(section.url_name) if section.url_name else "",
        "current": section.label == nav.section,
        "entries": [e for e in entries if e["url"]],
    }


@register.simple_tag(takes_context=True)
def navigation(context) -> dict:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    nav = navigation_for(match.view_name if match else None, parent=context.get("nav_parent"))
    return {
        "main": [_section(s, nav) for s in MAIN_MENU],
        "secondary": [_section(s, nav) for s in SECONDARY_MENU],
        "school_choice": _section(SCHOOL_CHOICE, nav),
        "trail": nav.trail,
    }

"""The school's welcome message (B3) as families see it: sanitised again before it is shown.

The SIECLE side stores it already cleaned (services/welcome.py); the portal does not trust a
copied column and cleans it once more with the same allow-list (text, `<br>`, links with https
or mailto: an http:, javascript:, data: or relative address loses its link, the text stays).
The list is copied, not imported: the portal imports nothing of the SIECLE side. The academy's
allow-list of domains is applied on the SIECLE side, where the academy is known: when a message
is saved, and when the list changes (every message of the academy is cleaned again).
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def welcome_html(stored: str) -> SafeString:
    clean = nh3.clean(
        stored or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 — nh3's output with the allow-list above

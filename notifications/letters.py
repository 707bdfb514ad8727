"""PDF letters (SPEC C3, C4, C7, D2): HTML templates rendered by WeasyPrint, safely.

Many letters go into ONE WeasyPrint document (fonts are subset once per document: one PDF
per letter would be several times slower and bigger). Mass batches render chunks of letters
in parallel and join them (see `notifications.batches`).

Safe rendering: every text printed comes from SIECLE imports or from what staff typed, and
Django escapes it; on top of that, `tsadmin.pdf.StaticOnlyFetcher` lets WeasyPrint read only files of the
project's static folder and refuses every other URL (http, https, ftp, data, files elsewhere),
so nothing in a letter can make the worker call a server or embed a file of the machine.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import segno
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from tsadmin.pdf import FetchRefused as FetchRefused  # re-exported: the letters' tests import it here
from tsadmin.pdf import StaticOnlyFetcher as StaticOnlyFetcher
from tsadmin.pdf import html_document
from tsadmin.pdf import static_root as static_root

from .content import GuardianLetter, StudentLetter

Letter = GuardianLetter | StudentLetter
DOCUMENT_TEMPLATE = "notifications/letters/document.html"


def qr_svg(url: str) -> SafeString:
    """The QR code of `url` as inline SVG (drawn by segno: paths only, no text, no link)."""
    code = segno.make(url, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass="qr-line"))  # noqa: S308


def _prepared(letters: Sequence[Letter]) -> list[dict]:
    items = []
    for letter in letters:
        if isinstance(letter, GuardianLetter):
            children = [(child, qr_svg(child.qr_url)) for child in letter.children]
            template = "notifications/letters/guardian.html"
        else:
            children = [(letter.child, qr_svg(letter.child.qr_url))]
            template = "notifications/letters/student.html"
        items.append({"letter": letter, "children": children, "template": template})
    return items


def letters_html(*, letters: Sequence[Letter], today=None) -> str:
    """The HTML document of the letters, in French, one letter starting on each new page."""
    with translation.override("fr"):
        return render_to_string(
            DOCUMENT_TEMPLATE, {"items": _prepared(letters), "today": today or timezone.localdate()}
        )


def letters_pdf(*, letters: Sequence[Letter], output: Path, today=None) -> int:
    """Render the letters as ONE PDF document into `output` (written atomically); returns the page count."""
    html = letters_html(letters=letters, today=today)
    document = html_document(html)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    document.write_pdf(partial)
    partial.replace(output)
    return len(document.pages)

"""The LPC booklet of a child as a PDF (SPEC F4, manual §5.3.5 "Éditer le livret au format PDF").

Rendered by WeasyPrint under `tsadmin.pdf`'s static-only URL fetcher, as the letters are: the
names and addresses printed come from the replication and are escaped by Django; whatever they
hold, the renderer fetches nothing outside the static folder.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

from tsadmin.pdf import html_to_pdf

from .consultation import CompetenceLine, ConsultedChild

TEMPLATE = "portal/consultation/lpc_pdf.html"


def lpc_filename(*, child: ConsultedChild) -> str:
    """`lpc_<name>_palier_3.pdf` (the manual's name), in plain ASCII: `lpc_durand_lea_palier_3.pdf`."""
    name = "_".join(part for part in (slugify(child.last_name), slugify(child.first_name)) if part)
    return f"lpc_{name.replace('-', '_') or 'eleve'}_palier_3.pdf"


def lpc_html(*, child: ConsultedChild, competences: list[CompetenceLine], today: dt.date) -> str:
    with translation.override("fr"):
        return render_to_string(TEMPLATE, {"child": child, "competences": competences, "today": today})


def lpc_pdf(*, child: ConsultedChild, competences: list[CompetenceLine], today: dt.date) -> bytes:
    return html_to_pdf(lpc_html(child=child, competences=competences, today=today))

"""Bar charts of the account rates, drawn on the server as inline SVG (no script, no CDN).

One horizontal bar per division (or per MEF for the school's table), its length the share of
students or guardians who created an account. The chart is an image with a text alternative
that lists every bar; the table below it keeps the same figures for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from .figures import NBSP, GuardianFigures, StudentFigures, format_percent

WIDTH = 440  # the viewBox; the image scales down with its column (a phone shows it at ~80 %)
LABEL_WIDTH = 96
VALUE_WIDTH = 62
BAR_AREA = WIDTH - LABEL_WIDTH - VALUE_WIDTH
ROW = 24
BAR = 16
TOP = 8
BOTTOM = 22  # the axis labels
TICKS = (0, 25, 50, 75, 100)


def account_rate_label(figures: StudentFigures | GuardianFigures) -> str:
    if isinstance(figures, GuardianFigures):
        return "% de responsables avec un compte"
    return "% d'élèves avec un compte"


def account_rate_chart(*, rows: Sequence[tuple[str, StudentFigures | GuardianFigures]], title: str) -> SafeString:
    """An SVG bar chart of each row's account rate; `rows` are (label, figures) pairs.

    `title` names what is charted ("MEF 3EME, par division"); it must be unique in the page
    (the chart's id is made from it).
    """
    if not rows:
        return mark_safe("")  # noqa: S308 — a constant empty string
    chart_id = "graphique-" + slugify(title)
    rate_label = account_rate_label(rows[0][1])
    bars = [(label, figures.account_rate) for label, figures in rows]
    alternative = f"{title} — {rate_label} : " + " ; ".join(
        f"{label} {format_percent(rate, space=NBSP)}" for label, rate in bars
    )
    height = TOP + ROW * len(bars) + BOTTOM
    axis_bottom = TOP + ROW * len(bars)
    grid = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" class="ts-chart-grid"/>'
        '<text x="{0}" y="{3}" text-anchor="middle" class="ts-chart-axis">{4}</text>',
        ((_x(Decimal(tick)), TOP - 4, axis_bottom, axis_bottom + 16, f"{tick}{NBSP}%") for tick in TICKS),
    )
    rects = format_html_join(
        "",
        '<text x="{0}" y="{1}" text-anchor="end" class="ts-chart-label">{2}</text>'
        '<rect x="{3}" y="{4}" width="{5}" height="{6}" class="ts-chart-bar"/>'
        '<text x="{7}" y="{1}" class="ts-chart-value">{8}</text>',
        (
            (
                LABEL_WIDTH - 8,
                TOP + ROW * i + ROW / 2 + 4,
                _shorten(label),
                LABEL_WIDTH,
                TOP + ROW * i + (ROW - BAR) / 2,
                f"{_x(rate) - LABEL_WIDTH:.1f}",
                BAR,
                f"{_x(rate) + 6:.1f}",
                format_percent(rate, space=NBSP),
            )
            for i, (label, rate) in enumerate(bars)
        ),
    )
    # The visible caption repeats the start of the image's name: hidden from assistive tools.
    return format_html(
        '<div class="ts-chart-box"><p class="ts-chart-caption" aria-hidden="true">{caption}</p>'
        '<svg xmlns="http://www.w3.org/2000/svg" class="ts-chart" viewBox="0 0 {width} {height}" '
        'width="{width}" height="{height}" role="img" aria-labelledby="{id}-title" id="{id}">'
        '<title id="{id}-title">{alternative}</title>{grid}{rects}</svg></div>',
        width=WIDTH,
        height=height,
        id=chart_id,
        alternative=alternative,
        caption=f"{rate_label}, {title}",
        grid=grid,
        rects=rects,
    )


def _x(rate: Decimal) -> float:
    return LABEL_WIDTH + float(min(max(rate, Decimal(0)), Decimal(100))) * BAR_AREA / 100


def _shorten(label: str, size: int = 11) -> str:
    """Long labels (a MEF's name) are cut to fit the label column; the title keeps them whole."""
    return label if len(label) <= size else label[: size - 1].rstrip() + "…"

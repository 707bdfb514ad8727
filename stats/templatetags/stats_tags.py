"""How the statistics print on screen: rates as the manual writes them, in French."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import SafeString

from stats.charts import account_rate_chart
from stats.figures import (
    NBSP,
    AcademySynthesis,
    GuardianFigures,
    MefGroup,
    StudentFigures,
    Synthesis,
    format_percent,
)

register = template.Library()


@register.filter
def percent(value: Decimal) -> str:
    """5.56 -> "5,56 %" (with a non-breaking space), 0 -> "0 %"."""
    return format_percent(value)


@register.filter
def cells(figures: StudentFigures | GuardianFigures) -> list:
    """The table's cells of a row of figures, in the order of the table's header."""
    return figures.cells(space=NBSP)


@register.filter
def school_rows(synthesis: Synthesis) -> list[tuple[str, StudentFigures | GuardianFigures]]:
    """The school's single row, for the shared table partial."""
    return [("", synthesis.school)]


@register.filter
def division_rows(group: MefGroup) -> list[tuple[str, StudentFigures | GuardianFigures]]:
    return [(row.division, row.figures) for row in group.rows]


@register.filter
def academy_rows(synthesis: AcademySynthesis, table: str) -> list[tuple[str, StudentFigures | GuardianFigures]]:
    """One row per school of the academy: "eleves" or "responsables" figures."""
    return [(f"{r.uaj} {r.name}", r.students if table == "eleves" else r.guardians) for r in synthesis.rows]


@register.filter
def mef_rows(synthesis: Synthesis) -> list[tuple[str, StudentFigures | GuardianFigures]]:
    """One row per MEF (its sum), for the chart above the school's table."""
    return [(group.mef, group.total) for group in synthesis.mefs]


@register.simple_tag
def rate_chart(rows: list, title: str) -> SafeString:
    """`{% rate_chart rows "MEF 3EME, par division" %}`: the account rates of `rows` as an SVG chart."""
    return account_rate_chart(rows=rows, title=title)

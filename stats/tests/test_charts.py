"""The account-rate charts above the statistics tables: server-side SVG an assistive tool can read."""

import html
import re
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from stats.charts import BAR_AREA, account_rate_chart
from stats.figures import GuardianFigures, StudentFigures

SVG = "{http://www.w3.org/2000/svg}"
NBSP = "\u00a0"


def parse(chart: str) -> ElementTree.Element:
    """The <svg> element of a chart (its caption is a paragraph above it)."""
    return ElementTree.fromstring(chart).find(f"{SVG}svg")  # noqa: S314 — our own output


def texts(svg: ElementTree.Element, css_class: str) -> list[str]:
    return [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == css_class]


def test_each_row_is_a_bar_as_long_as_its_rate():
    rows = [
        ("3A", StudentFigures(students=3, accounts=2)),
        ("3B", StudentFigures(students=4, accounts=0)),
        ("3C", StudentFigures(students=2, accounts=2)),
    ]
    svg = parse(account_rate_chart(rows=rows, title="MEF 3EME, par division"))
    assert svg.get("role") == "img"
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths == [pytest.approx(BAR_AREA * 2 / 3, abs=0.1), 0, BAR_AREA]
    assert texts(svg, "ts-chart-label") == ["3A", "3B", "3C"]
    assert texts(svg, "ts-chart-value") == [f"66,67{NBSP}%", f"0{NBSP}%", f"100{NBSP}%"]


def test_the_text_alternative_names_what_is_counted_and_every_bar():
    rows = [("3A", GuardianFigures(guardians=8, accounts=2)), ("3B", GuardianFigures(guardians=5))]
    svg = parse(account_rate_chart(rows=rows, title="MEF 3EME, par division"))
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id")
    assert title.text == (f"MEF 3EME, par division — % de responsables avec un compte : 3A 25{NBSP}% ; 3B 0{NBSP}%")


def test_labels_are_escaped_and_long_ones_shortened():
    rows = [("<b>3A</b>", StudentFigures(students=1)), ("TERMINALE GÉNÉRALE SPÉCIALITÉS", StudentFigures())]
    svg_text = account_rate_chart(rows=rows, title="MEF X, par division")
    assert "<b>" not in svg_text
    assert texts(parse(svg_text), "ts-chart-label") == ["<b>3A</b>", "TERMINALE…"]
    assert "TERMINALE GÉNÉRALE SPÉCIALITÉS" in parse(svg_text).find(f"{SVG}title").text


def test_no_rows_no_chart():
    assert account_rate_chart(rows=[], title="vide") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["stats:students", "stats:guardians"])
def test_each_table_of_the_page_has_its_chart_above_it(head_client, known_school, name):
    page = html.unescape(head_client.get(reverse(name)).content.decode())
    charts = re.findall(r"<svg[^>]*role=\"img\"[^>]*>.*?</svg>", page, flags=re.S)
    assert len(charts) == 3  # the school (by MEF), 3EME and 6EME (by division)
    for title, table_caption in (("MEF 3EME, par division", ">MEF 3EME</caption>"), ("MEF 6EME", ">MEF 6EME<")):
        assert page.index(title) < page.index(table_caption)
    assert f"3A 66,67{NBSP}% ; 3B 0{NBSP}%" in page  # 2 of the 3 students, 2 of the 3 guardians of 3A
    assert "<table" in page  # the figures stay in tables

"""The statistics screens (SPEC E1, E2), their CSV exports, and the academy-wide table."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit.hooks import audit_rows
from codes.exports import csv_response
from siecle.models import Academy
from staff.access import school_required
from staff.selectors import academies_for_user

from .figures import GUARDIAN_HEADER, STUDENT_HEADER, AcademySynthesis, Synthesis
from .selectors import academy_code_synthesis, guardian_code_synthesis, student_code_synthesis

# The two tables of a school, by the name their export URL carries.
TABLES = {
    "eleves": ("Synthèse des codes élèves", STUDENT_HEADER, student_code_synthesis),
    "responsables": ("Synthèse des codes responsables", GUARDIAN_HEADER, guardian_code_synthesis),
}


def _synthesis_page(request: HttpRequest, table: str) -> HttpResponse:
    title, header, selector = TABLES[table]
    return render(
        request,
        f"stats/{'students' if table == 'eleves' else 'guardians'}.html",
        {
            "title": title,
            "header": header,
            "synthesis": selector(school=request.school),
            "table": table,
            "academies": list(academies_for_user(user=request.user)),
        },
    )


@school_required
@require_GET
def students(request: HttpRequest) -> HttpResponse:
    return _synthesis_page(request, "eleves")


@school_required
@require_GET
def guardians(request: HttpRequest) -> HttpResponse:
    return _synthesis_page(request, "responsables")


def _synthesis_rows(synthesis: Synthesis) -> Iterator[list]:
    yield ["Établissement", "", "", *synthesis.school.cells()]
    for group in synthesis.mefs:
        for row in group.rows:
            yield ["Division", group.mef, row.division, *row.figures.cells()]
        yield ["Somme du MEF", group.mef, "", *group.total.cells()]


@school_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    """A synthesis as CSV: the school's row, then each division and each MEF's sum."""
    if table not in TABLES:
        raise Http404("Tableau inconnu.")
    _title, header, selector = TABLES[table]
    school = request.school
    return csv_response(
        filename=f"statistiques-{table}-{school.uaj}.csv",
        header=["Niveau", "MEF", "Division", *header],
        rows=audit_rows(request, _synthesis_rows(selector(school=school)), what=f"statistiques-{table}"),
    )


def _staffed_academy_or_404(request: HttpRequest, code: str) -> Academy:
    """Only the academy's IT staff see its table: anybody else gets 404, as for a missing one."""
    academy = academies_for_user(user=request.user).filter(code=code).first()
    if academy is None:
        raise Http404("Académie introuvable.")
    return academy


# The school pages get no-store from school_required; the academy table and its exports are
# not a school's page, but carry every school's figures: no browser or proxy keeps them either.
@never_cache
@login_required
@require_GET
def academy(request: HttpRequest, code: str) -> HttpResponse:
    academy = _staffed_academy_or_404(request, code)
    return render(
        request,
        "stats/academy.html",
        {
            "academy": academy,
            "synthesis": academy_code_synthesis(academy=academy),
            "student_header": STUDENT_HEADER,
            "guardian_header": GUARDIAN_HEADER,
        },
    )


def _academy_rows(synthesis: AcademySynthesis, table: str) -> Iterator[list]:
    for row in synthesis.rows:
        figures = row.students if table == "eleves" else row.guardians
        yield [row.uaj, row.name, *figures.cells()]
    total = synthesis.students if table == "eleves" else synthesis.guardians
    yield ["Académie", "", *total.cells()]


@never_cache
@login_required
@require_GET
def academy_export(request: HttpRequest, code: str, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404("Tableau inconnu.")
    academy = _staffed_academy_or_404(request, code)
    header = STUDENT_HEADER if table == "eleves" else GUARDIAN_HEADER
    return csv_response(
        filename=f"statistiques-{table}-academie-{academy.code}.csv",
        header=["UAJ", "Établissement", *header],
        rows=audit_rows(
            request,
            _academy_rows(academy_code_synthesis(academy=academy), table),
            what=f"statistiques-{table}-academie",
            academy=academy,
        ),
    )

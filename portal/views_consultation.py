"""F4 consultation pages of one child: absences, notes, LPC (and its PDF), B2i. Thin views.

Each view starts with `_child`, which answers 404 alike for a child who is not the account's, a
child who does not exist and a service his school has not open. Every family page is never
cached (`family_required`).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .auth import family_required
from .consultation import (
    ConsultedChild,
    absence_weeks,
    absence_years,
    b2i_domains,
    consultation_child,
    lpc_competences,
    mark_subjects,
    mark_years,
)
from .lpc_pdf import lpc_filename, lpc_pdf
from .views import portal_render


def _child(request: HttpRequest, student_id: int, service: str) -> ConsultedChild:
    child = consultation_child(account=request.family.account, student_id=student_id, service=service)
    if child is None:
        raise Http404("Aucun enfant de ce compte n'a ce service.")
    return child


def _render(request: HttpRequest, template: str, child: ConsultedChild, service: str, **context) -> HttpResponse:
    return portal_render(request, template, {"child": child, "service": service, **context})


@require_GET
@family_required
def absences(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _child(request, student_id, "absences")
    years = absence_years(student_id=student_id, asked=request.GET.get("annee"), today=timezone.localdate())
    weeks = absence_weeks(student_id=student_id, year=years.shown)
    return _render(request, "portal/consultation/absences.html", child, "absences", years=years, weeks=weeks)


@require_GET
@family_required
def notes(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _child(request, student_id, "notes")
    years = mark_years(student_id=student_id, asked=request.GET.get("annee"), today=timezone.localdate())
    subjects = mark_subjects(student_id=student_id, year=years.shown)
    return _render(request, "portal/consultation/notes.html", child, "notes", years=years, subjects=subjects)


@require_GET
@family_required
def lpc(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _child(request, student_id, "lpc")
    competences = lpc_competences(student_id=student_id)
    return _render(request, "portal/consultation/lpc.html", child, "lpc", competences=competences)


@require_GET
@family_required
def lpc_download(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _child(request, student_id, "lpc")
    data = lpc_pdf(child=child, competences=lpc_competences(student_id=student_id), today=timezone.localdate())
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{lpc_filename(child=child)}"'
    return response


@require_GET
@family_required
def b2i(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _child(request, student_id, "b2i")
    return _render(request, "portal/consultation/b2i.html", child, "b2i", domains=b2i_domains(student_id=student_id))

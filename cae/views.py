"""Screens of "Accès des Élèves" (manual §5.5.2; SPEC D3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from car.exports import csv_response
from car.forms import SearchForm
from car.models import CodeKind
from car.selectors import cae_student_codes, cae_student_refused, cae_students, last_account_id, pair_events
from car.services import CodeError
from siecle.models import Student
from staff.access import get_for_school_or_404, safe_return_url, school_required

from . import services

PAGE_SIZE = 50


@school_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, school=request.school)
    page = None
    if form.is_bound and form.is_valid():
        qs = cae_students(school=request.school, selection=form.selection())
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cae/manage.html",
        {"form": form, "page": page, "query": query.urlencode(), "back": request.get_full_path()},
    )


def _safe_back(request: HttpRequest) -> str:
    """The list the user came from, or the search screen."""
    return safe_return_url(request, allowed=(reverse("cae:manage"),), default=reverse("cae:manage"))


def _school_student(request: HttpRequest, student_id: int) -> Student:
    return get_for_school_or_404(
        Student.objects.select_related("division", "mef", "school"), request.school, pk=student_id
    )


@school_required
@require_GET
def student(request: HttpRequest, student_id: int) -> HttpResponse:
    pupil = _school_student(request, student_id)
    codes = cae_student_codes(student=pupil)
    return render(
        request,
        "cae/student.html",
        {
            "student": pupil,
            "codes": codes,
            "valid_code": next((c for c in codes if c.is_valid), None),
            "refused": cae_student_refused(student=pupil),
            "events": pair_events(student=pupil, kind=CodeKind.CAE),
            "account_id": last_account_id(codes=codes),
            "back": _safe_back(request),
        },
    )


STUDENT_ACTIONS = {
    "nouveau": (services.cae_regenerate, "Un nouveau code valide a été créé ; l'ancien est invalidé."),
    "enlever": (
        services.cae_access_remove,
        "L'accès de l'élève aux téléservices est enlevé ; son code reste valide pour les autres applications.",
    ),
    "autoriser": (services.cae_access_authorise, "L'accès de l'élève aux téléservices est de nouveau autorisé."),
}


@school_required
@require_POST
def student_action(request: HttpRequest, student_id: int, action: str) -> HttpResponse:
    if action not in STUDENT_ACTIONS:
        raise Http404("Action inconnue.")
    pupil = _school_student(request, student_id)
    service, done = STUDENT_ACTIONS[action]
    try:
        service(student=pupil, by=request.user)
    except CodeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    query = QueryDict(mutable=True)
    query["retour"] = _safe_back(request)
    return redirect(f"{reverse('cae:student', args=[pupil.pk])}?{query.urlencode()}")


HEADER = [
    "Élève",
    "Division",
    "MEF",
    "Date de naissance",
    "Refus téléservices",
    "Date de notification",
    "Code utilisé",
    "Date de continuité d'accès",
]


@school_required
@require_GET
def export(request: HttpRequest, name: str) -> HttpResponse:
    """The students' list as CSV, for the same search as the screen."""
    if name != "eleves":
        raise Http404("Liste inconnue.")
    selection = SearchForm(request.GET or None, school=request.school).selection()
    rows = (
        [
            s.full_name,
            s.division.code if s.division else "",
            s.mef.label if s.mef else "",
            s.birth_date,
            s.refused,
            s.notified_at,
            s.used_at is not None,
            s.continuity_at,
        ]
        for s in cae_students(school=request.school, selection=selection).iterator(chunk_size=2000)
    )
    return csv_response(filename=f"cae-eleves-{request.school.uaj}.csv", header=HEADER, rows=rows)

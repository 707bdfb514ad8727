"""Screens of "Accès des Élèves" (manual §5.5.2; SPEC D3)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.hooks import audit_codes, audit_export
from codes.accounts import holder_account_block
from codes.exports import csv_response
from codes.forms import SearchForm
from codes.screens import (
    account_reset_page,
    action_run,
    query_without_page,
    regenerated_message,
    search_page,
    with_return,
)
from codes.selectors import access_refused, code_events, code_history, last_account_id
from siecle.models import Student
from staff.access import get_for_school_or_404, safe_return_url, school_required
from staff.roles import Permission

from . import services
from .selectors import cae_students


@school_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    form, page = search_page(request, rows=lambda selection: cae_students(school=request.school, selection=selection))
    return render(
        request,
        "cae/manage.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "back": request.get_full_path(),
            "export_url": f"{reverse('cae:export', args=['eleves'])}?{query_without_page(request)}",
        },
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
    codes = code_history(student=pupil)
    audit_codes(request, what="élève", object_id=pupil.pk, rows=len(codes))
    return render(
        request,
        "cae/student.html",
        {
            "student": pupil,
            "codes": codes,
            "valid_code": next((c for c in codes if c.is_valid), None),
            "refused": access_refused(student=pupil),
            "events": code_events(student=pupil),
            "account_id": last_account_id(codes=codes),
            "account": holder_account_block(codes=codes),
            "back": _safe_back(request),
        },
    )


@school_required(permission=Permission.ACCOUNTS_RESET, post=Permission.ACCOUNTS_RESET)
@require_http_methods(["GET", "POST"])
def student_account_reset(request: HttpRequest, student_id: int) -> HttpResponse:
    """D3 "Réinitialiser le mot de passe": a temporary password shown once, to change at next sign-in."""
    pupil = _school_student(request, student_id)
    list_back = _safe_back(request)
    return account_reset_page(
        request,
        codes=code_history(student=pupil),
        holder=f"{pupil.full_name}, élève",
        action_url=reverse("cae:student_account_reset", args=[pupil.pk]),
        back=with_return(reverse("cae:student", args=[pupil.pk]), list_back),
        list_back=list_back,
    )


STUDENT_ACTIONS = {
    "nouveau": (services.cae_regenerate, regenerated_message),
    "enlever": (
        services.cae_access_remove,
        "L'accès de l'élève aux téléservices est enlevé ; son code reste valide pour les autres applications.",
    ),
    "autoriser": (services.cae_access_authorise, "L'accès de l'élève aux téléservices est de nouveau autorisé."),
}


@school_required(post=Permission.CODES_WRITE)
@require_POST
def student_action(request: HttpRequest, student_id: int, action: str) -> HttpResponse:
    if action not in STUDENT_ACTIONS:
        raise Http404("Action inconnue.")
    pupil = _school_student(request, student_id)
    service, message = STUDENT_ACTIONS[action]
    then = with_return(reverse("cae:student", args=[pupil.pk]), _safe_back(request))
    return action_run(request, service=service, message=message, then=then, student=pupil)


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
    audit_export(request, what="cae-eleves", rows=cae_students(school=request.school, selection=selection).count())
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

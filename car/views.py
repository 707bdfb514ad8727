"""Screens of "Accès des Responsables" (manual §5.4.1, §5.4.3; SPEC C2, C5, C8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.hooks import audit_codes, audit_export
from codes.accounts import holder_account_block
from codes.exports import csv_response
from codes.forms import SearchForm
from codes.screens import (
    account_reset_page,
    action_run,
    first_error,
    plural,
    query_without_page,
    regenerated_message,
    search_page,
    with_return,
)
from codes.selectors import access_refused, code_events, code_history, last_account_id
from codes.services import CodeError
from codes.templatetags.codes_tags import mode_label
from services.selectors import school_has_open_service
from siecle.models import GuardianLink
from staff.access import get_for_school_or_404, safe_return_url, school_required
from staff.roles import Permission

from . import services
from .forms import CheckedPairsForm, MassCreateForm
from .selectors import car_creatable_link_ids, car_creatable_pairs, car_pair_rows, car_pair_values, car_pairs

# The mass-creation list: 200 lines is a few divisions; 5,000 lines took 1 s and 1.7 MB.
MASS_PAGE_SIZE = 200


# --- C2 mass creation ----------------------------------------------------------------------


@school_required(permission=Permission.CODES_WRITE, post=Permission.CODES_WRITE)
@require_http_methods(["GET", "POST"])
def mass_create(request: HttpRequest) -> HttpResponse:
    """C2. The list is shown page by page; "tout cocher" means every creatable pair of the criteria."""
    school = request.school
    has_open_service = school_has_open_service(school=school)
    criteria = MassCreateForm(request.GET or None, school=school)
    listed = has_open_service and criteria.is_bound and criteria.is_valid()
    if request.method == "POST":
        checked = CheckedPairsForm(request.POST)
        if not checked.is_valid():
            messages.error(request, first_error(checked))
        elif checked.cleaned_data["action"] == "retirer":
            n = services.car_invalidate_unnotified_bulk(school=school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request, f"Accès retiré : {plural(n, 'code non notifié invalidé', 'codes non notifiés invalidés')}."
            )
            return redirect(request.get_full_path())
        elif checked.cleaned_data["action"] == "creer":
            if checked.whole_selection() and not (criteria.is_bound and criteria.is_valid()):
                messages.error(request, "Les critères de la liste ne sont pas valides : affichez de nouveau la liste.")
            else:
                link_ids = (
                    car_creatable_link_ids(school=school, selection=criteria.selection())
                    if checked.whole_selection()
                    else checked.ids()
                )
                try:
                    report = services.car_create_bulk(school=school, link_ids=link_ids, by=request.user)
                except CodeError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _creation_recap(report))
                return redirect(request.get_full_path())
        else:
            messages.error(request, "Action inconnue.")
    page = rows = None
    creatable = 0
    if listed:
        selection, without = criteria.selection(), not criteria.shows_all
        page = Paginator(
            car_pair_values(school=school, selection=selection, without_valid_code=without), MASS_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        rows = car_pair_rows(page.object_list)
        creatable = car_creatable_pairs(school=school, selection=selection).count()
    return render(
        request,
        "car/mass_create.html",
        {
            "form": criteria,
            "page": page,
            "rows": rows,
            "shows_all": listed and criteria.shows_all,
            "has_open_service": has_open_service,
            "no_service_message": services.NO_OPEN_SERVICE,
            "creatable": creatable,
            "query": query_without_page(request),
            "export_url": f"{reverse('car:export', args=['creation'])}?{query_without_page(request)}",
        },
    )


def _creation_recap(report: services.CreationReport) -> SafeString:
    """After a mass creation: how many codes, the pairs skipped and why, and what comes next."""
    text = f"{plural(report.created, 'code créé', 'codes créés')}." if report.created else "Aucun code créé."
    if report.skipped:
        reasons = [
            (report.already_valid, "avait déjà un code valide", "avaient déjà un code valide"),
            (report.refused, "a refusé l'accès", "ont refusé l'accès"),
            (
                report.not_eligible,
                "n'est pas un responsable légal d'un élève présent",
                "ne sont pas des responsables légaux d'élèves présents",
            ),
        ]
        why = ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in reasons if n)
        text += f" {plural(report.skipped, 'couple ignoré', 'couples ignorés')} : {why}."
    if not report.created:
        return format_html("{}", text)
    return format_html(
        '{} <a href="{}" class="alert-link">Notifier les codes aux responsables</a>',
        text,
        reverse("notifications:guardians"),
    )


# --- C5 individual management and C8 refusals by list ------------------------------------


def _pairs_page(request: HttpRequest):
    return search_page(request, rows=lambda selection: car_pairs(school=request.school, selection=selection))


def _list_context(request: HttpRequest, form, page) -> dict:
    query = query_without_page(request)
    export_url = f"{reverse('car:export', args=['couples'])}?{query}"
    return {"form": form, "page": page, "query": query, "back": request.get_full_path(), "export_url": export_url}


@school_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    form, page = _pairs_page(request)
    return render(
        request,
        "car/manage.html",
        _list_context(request, form, page),
    )


@school_required(permission=Permission.CODES_WRITE, post=Permission.CODES_WRITE)
@require_http_methods(["GET", "POST"])
def refusals(request: HttpRequest) -> HttpResponse:
    """C8 bulk entry: tick the pairs whose slip came back, or whose refusal is lifted."""
    if request.method == "POST":
        checked = CheckedPairsForm(request.POST)
        if not checked.is_valid():
            messages.error(request, first_error(checked))
        elif checked.cleaned_data["action"] == "refuser":
            n = services.car_refusals_record(school=request.school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request,
                f"{plural(n, 'refus enregistré', 'refus enregistrés')} ; les codes valides de ces couples sont invalidés.",
            )
            return redirect(request.get_full_path())
        elif checked.cleaned_data["action"] == "autoriser":
            n = services.car_refusals_lift(school=request.school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request, f"{plural(n, 'refus levé', 'refus levés')} : ces couples peuvent recevoir un code."
            )
            return redirect(request.get_full_path())
        else:
            messages.error(request, "Action inconnue.")
    form, page = _pairs_page(request)
    return render(
        request,
        "car/refusals.html",
        _list_context(request, form, page),
    )


def _safe_back(request: HttpRequest) -> str:
    """The list the user came from, or the search screen."""
    allowed = (reverse("car:manage"), reverse("car:refusals"), reverse("car:mass_create"))
    return safe_return_url(request, allowed=allowed, default=reverse("car:manage"))


def _school_link(request: HttpRequest, link_id: int) -> GuardianLink:
    return get_for_school_or_404(
        GuardianLink.objects.select_related("student__division", "student__mef", "student__school", "guardian"),
        request.school,
        school_field="student__school",
        pk=link_id,
    )


@school_required
@require_GET
def pair(request: HttpRequest, link_id: int) -> HttpResponse:
    link = _school_link(request, link_id)
    codes = code_history(link=link)
    audit_codes(request, what="couple", object_id=link.pk, rows=len(codes))
    valid = next((c for c in codes if c.is_valid), None)
    return render(
        request,
        "car/pair.html",
        {
            "link": link,
            "student": link.student,
            "guardian": link.guardian,
            "codes": codes,
            "valid_code": valid,
            "refused": access_refused(link=link),
            "events": code_events(link=link),
            "account_id": last_account_id(codes=codes),
            "account": holder_account_block(codes=codes),
            "back": _safe_back(request),
        },
    )


@school_required(permission=Permission.ACCOUNTS_RESET, post=Permission.ACCOUNTS_RESET)
@require_http_methods(["GET", "POST"])
def pair_account_reset(request: HttpRequest, link_id: int) -> HttpResponse:
    """C6 "Réinitialiser le mot de passe": a single-use link e-mailed to the guardian's account."""
    link = _school_link(request, link_id)
    list_back = _safe_back(request)
    return account_reset_page(
        request,
        codes=code_history(link=link),
        holder=f"{link.guardian.display_name}, responsable de {link.student.full_name}",
        action_url=reverse("car:pair_account_reset", args=[link.pk]),
        back=with_return(reverse("car:pair", args=[link.pk]), list_back),
        list_back=list_back,
    )


def _access_removed_message(invalidated: bool) -> str:
    if invalidated:
        return "L'accès est enlevé : le refus est enregistré et le code valide est invalidé."
    return "L'accès est enlevé : le refus est enregistré."


PAIR_ACTIONS = {
    "nouveau": (services.car_regenerate, regenerated_message),
    "invalider": (services.car_invalidate, "Le code est invalidé : ce couple n'a plus de code valide."),
    "enlever": (services.car_refusal_record, _access_removed_message),
    "autoriser": (services.car_refusal_lift, "L'accès est de nouveau autorisé : vous pouvez créer un code."),
}


@school_required(post=Permission.CODES_WRITE)
@require_POST
def pair_action(request: HttpRequest, link_id: int, action: str) -> HttpResponse:
    if action not in PAIR_ACTIONS:
        raise Http404("Action inconnue.")
    link = _school_link(request, link_id)
    service, message = PAIR_ACTIONS[action]
    then = with_return(reverse("car:pair", args=[link.pk]), _safe_back(request))
    return action_run(request, service=service, message=message, then=then, link=link)


# --- Édition: CSV -------------------------------------------------------------------------

PAIR_HEADER = [
    "Élève",
    "Division",
    "MEF",
    "Date de naissance",
    "Responsable",
    "Qualité",
    "Adresse",
    "Courriel",
    "A refusé l'accès",
    "A un code valide",
    "Date de notification",
    "Mode de notification",
    "Utilisé",
    "Date de continuité d'accès",
]


def _pair_cells(row) -> list:
    student, guardian = row.student, row.guardian
    return [
        student.full_name,
        student.division.code if student.division else "",
        student.mef.label if student.mef else "",
        student.birth_date,
        guardian.display_name,
        row.get_legal_rank_display(),
        ", ".join(guardian.address_lines),
        guardian.email,
        row.refused,
        row.code_id is not None,
        row.notified_at,
        mode_label(row.notification_mode),
        row.used_at is not None if row.code_id else "",
        row.continuity_at,
    ]


@school_required
@require_GET
def export(request: HttpRequest, name: str) -> HttpResponse:
    """The lists as CSV, for the same criteria as the screen: "creation" (C2) or "couples" (C5, C8)."""
    school = request.school
    if name == "creation":
        form = MassCreateForm(request.GET or None, school=school)
        if not (form.is_bound and form.is_valid()):
            form = MassCreateForm({"population": "tous", "filtre": "sans"}, school=school)
            form.is_valid()
        qs = car_pairs(school=school, selection=form.selection(), without_valid_code=not form.shows_all)
    elif name == "couples":
        qs = car_pairs(school=school, selection=SearchForm(request.GET or None, school=school).selection())
    else:
        raise Http404("Liste inconnue.")
    audit_export(request, what=f"car-{name}", rows=qs.count())
    rows = (_pair_cells(row) for row in qs.iterator(chunk_size=2000))
    return csv_response(filename=f"car-{name}-{school.uaj}.csv", header=PAIR_HEADER, rows=rows)

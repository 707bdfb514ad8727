"""Screens of "Accès des Responsables" (manual §5.4.1, §5.4.3; SPEC C2, C5, C8)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from services.selectors import school_has_open_service
from siecle.models import GuardianLink
from staff.access import get_for_school_or_404, safe_return_url, school_required

from . import services
from .exports import csv_response
from .forms import CheckedPairsForm, MassCreateForm, SearchForm
from .selectors import (
    car_creatable_link_ids,
    car_creatable_pairs,
    car_pair_codes,
    car_pair_refused,
    car_pair_rows,
    car_pair_values,
    car_pairs,
    last_account_id,
    pair_events,
)
from .services import CodeError
from .templatetags.codes_tags import mode_label

PAGE_SIZE = 50
# The mass-creation list: 200 lines is a few divisions; 5,000 lines took 1 s and 1.7 MB.
MASS_PAGE_SIZE = 200
NO_SERVICE_OPEN = (
    "Aucun téléservice n'est ouvert dans l'établissement : ouvrez-en au moins un "
    "(Gestion des téléservices › Ouverture / fermeture) avant de créer des codes."
)


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "La demande n'est pas valide."


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


# --- C2 mass creation ----------------------------------------------------------------------


@school_required
@require_http_methods(["GET", "POST"])
def mass_create(request: HttpRequest) -> HttpResponse:
    """C2. The list is shown page by page; "tout cocher" means every creatable pair of the criteria."""
    school = request.school
    has_open_service = school_has_open_service(school=school)
    criteria = MassCreateForm(request.GET or None, school=school)
    listed = has_open_service and criteria.is_bound and criteria.is_valid()
    if request.method == "POST":
        checked = CheckedPairsForm(request.POST)
        if not has_open_service:
            messages.error(request, NO_SERVICE_OPEN)
        elif not checked.is_valid():
            messages.error(request, _first_error(checked))
        elif checked.cleaned_data["action"] == "retirer":
            n = services.car_invalidate_unnotified_bulk(school=school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request, f"Accès retiré : {_plural(n, 'code non notifié invalidé', 'codes non notifiés invalidés')}."
            )
            return redirect(request.get_full_path())
        elif checked.cleaned_data["action"] == "creer" and checked.whole_selection() and not listed:
            messages.error(request, "Les critères de la liste ne sont pas valides : affichez de nouveau la liste.")
        elif checked.cleaned_data["action"] == "creer":
            link_ids = (
                car_creatable_link_ids(school=school, selection=criteria.selection())
                if checked.whole_selection()
                else checked.ids()
            )
            try:
                report = services.car_create_bulk(school=school, link_ids=link_ids, by=request.user)
            except CodeError as error:
                messages.error(request, str(error))
                return redirect(request.get_full_path())
            text = f"{_plural(report.created, 'code créé', 'codes créés')}." if report.created else "Aucun code créé."
            skipped = report.already_valid + report.refused + report.not_eligible
            if skipped:
                text += f" {_plural(skipped, 'couple ignoré', 'couples ignorés')} (code valide existant, refus ou responsable non légal)."
            messages.success(request, text)
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
            "no_service_message": NO_SERVICE_OPEN,
            "creatable": creatable,
            "query": _query_without_page(request),
        },
    )


# --- C5 individual management and C8 refusals by list ------------------------------------


def _search_page(request: HttpRequest):
    form = SearchForm(request.GET or None, school=request.school)
    # Criteria that do not validate (a MEF or division of another school) list nothing: the
    # form shows its error rather than the whole school.
    qs = car_pairs(school=request.school, selection=form.selection()) if form.is_bound and form.is_valid() else None
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")) if qs is not None else None
    return form, page


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@school_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    form, page = _search_page(request)
    return render(
        request,
        "car/manage.html",
        {"form": form, "page": page, "query": _query_without_page(request), "back": request.get_full_path()},
    )


@school_required
@require_http_methods(["GET", "POST"])
def refusals(request: HttpRequest) -> HttpResponse:
    """C8 bulk entry: tick the pairs whose slip came back, or whose refusal is lifted."""
    if request.method == "POST":
        checked = CheckedPairsForm(request.POST)
        if not checked.is_valid():
            messages.error(request, _first_error(checked))
        elif checked.cleaned_data["action"] == "refuser":
            n = services.car_refusals_record(school=request.school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request,
                f"{_plural(n, 'refus enregistré', 'refus enregistrés')} ; les codes valides de ces couples sont invalidés.",
            )
            return redirect(request.get_full_path())
        elif checked.cleaned_data["action"] == "autoriser":
            n = services.car_refusals_lift(school=request.school, link_ids=checked.ids(), by=request.user)
            messages.success(
                request, f"{_plural(n, 'refus levé', 'refus levés')} : ces couples peuvent recevoir un code."
            )
            return redirect(request.get_full_path())
        else:
            messages.error(request, "Action inconnue.")
    form, page = _search_page(request)
    return render(
        request,
        "car/refusals.html",
        {"form": form, "page": page, "query": _query_without_page(request), "back": request.get_full_path()},
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
    codes = car_pair_codes(link=link)
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
            "refused": car_pair_refused(link=link),
            "events": pair_events(link=link),
            "account_id": last_account_id(codes=codes),
            "back": _safe_back(request),
        },
    )


PAIR_ACTIONS = {
    "nouveau": (services.car_regenerate, "Un nouveau code valide a été créé ; l'ancien est invalidé."),
    "invalider": (services.car_invalidate, "Le code est invalidé : ce couple n'a plus de code valide."),
    "enlever": (services.car_refusal_record, "L'accès est enlevé : le refus est enregistré et le code invalidé."),
    "autoriser": (services.car_refusal_lift, "L'accès est de nouveau autorisé : vous pouvez créer un code."),
}


@school_required
@require_POST
def pair_action(request: HttpRequest, link_id: int, action: str) -> HttpResponse:
    if action not in PAIR_ACTIONS:
        raise Http404("Action inconnue.")
    link = _school_link(request, link_id)
    service, done = PAIR_ACTIONS[action]
    try:
        service(link=link, by=request.user)
    except CodeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    url = reverse("car:pair", args=[link.pk])
    back = _safe_back(request)
    return redirect(f"{url}?{_retour_query(back)}")


def _retour_query(back: str) -> str:
    query = QueryDict(mutable=True)
    query["retour"] = back
    return query.urlencode()


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
    rows = (_pair_cells(row) for row in qs.iterator(chunk_size=2000))
    return csv_response(filename=f"car-{name}-{school.uaj}.csv", header=PAIR_HEADER, rows=rows)

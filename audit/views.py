"""The journal of reads: a school head's page, the academy staff's page and export.

The journal's pages are not themselves recorded: they show no pupil's data and no code, and a
page that wrote to the journal it lists would fill it with its own visits. The academy's CSV
export is recorded (it takes the staff's logins and addresses out of the application).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from siecle.models import Academy
from staff.access import school_required
from staff.selectors import academies_for_user
from tsadmin.csv_export import csv_response

from .forms import ReadFilterForm
from .hooks import audit_export
from .models import ReadEvent
from .selectors import academy_read_events, school_read_events

PER_PAGE = 50
EXPORT_HEADER = [
    "Date et heure",
    "Identifiant",
    "UAJ",
    "Établissement",
    "Lecture",
    "Objet",
    "Lignes",
    "Adresse IP",
    "Adresse demandée",
]


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _journal_page(request: HttpRequest, form: ReadFilterForm, events) -> dict:
    """The filters and the page of events; criteria that do not validate list nothing."""
    page = None
    if not form.is_bound or form.is_valid():
        page = Paginator(events(form.criteria()), PER_PAGE).get_page(request.GET.get("page"))
    return {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
        "retention_days": settings.AUDIT_RETENTION_DAYS,
    }


@school_required
@require_GET
def school_journal(request: HttpRequest) -> HttpResponse:
    """The reads of the current school's data: exports, letters, code screens."""
    form = ReadFilterForm(request.GET or None)
    context = _journal_page(request, form, lambda c: school_read_events(school=request.school, criteria=c))
    return render(request, "audit/school.html", context)


def _staffed_academy_or_404(request: HttpRequest, code: str) -> Academy:
    """Only the academy's staff see its journal: anybody else gets 404, as for a missing one."""
    academy = academies_for_user(user=request.user).filter(code=code).first()
    if academy is None:
        raise Http404("Académie introuvable.")
    return academy


@login_required
@never_cache
@require_GET
def academy_choose(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the user's academy's journal (a choice when he staffs several)."""
    academies = list(academies_for_user(user=request.user))
    if not academies:
        raise Http404("Page introuvable.")
    if len(academies) == 1:
        return redirect("audit:academy", code=academies[0].code)
    return render(request, "audit/academy_choose.html", {"academies": academies})


@login_required
@never_cache
@require_GET
def academy_journal(request: HttpRequest, code: str) -> HttpResponse:
    academy = _staffed_academy_or_404(request, code)
    form = ReadFilterForm(request.GET or None)
    context = _journal_page(request, form, lambda c: academy_read_events(academy=academy, criteria=c))
    export_url = reverse("audit:academy_export", args=[academy.code])
    context.update(academy=academy, export_url=f"{export_url}?{context['query']}")
    return render(request, "audit/academy.html", context)


def _export_rows(events: QuerySet[ReadEvent]) -> Iterator[list]:
    for event in events.iterator(chunk_size=2000):
        school = event.school
        yield [
            timezone.localtime(event.created_at).strftime("%d/%m/%Y %H:%M:%S"),
            event.username,
            school.uaj if school else "",
            school.name if school else "(académie)",
            event.get_kind_display(),
            event.target,
            event.rows,
            event.ip_address,
            event.path,
        ]


@login_required
@never_cache
@require_GET
def academy_export(request: HttpRequest, code: str) -> HttpResponse:
    """The academy's journal as CSV, for the page's criteria; itself recorded in the journal."""
    academy = _staffed_academy_or_404(request, code)
    form = ReadFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, "Les critères ne sont pas valides : corrigez-les avant d'exporter.")
        return redirect(f"{reverse('audit:academy', args=[academy.code])}?{_query_without_page(request)}")
    events = academy_read_events(academy=academy, criteria=form.criteria())
    recorded = audit_export(request, what="journal-academie", rows=events.count(), academy=academy)
    return csv_response(
        filename=f"journal-consultations-{academy.code}.csv",
        header=EXPORT_HEADER,
        rows=_export_rows(events.exclude(pk=recorded.pk)),
    )

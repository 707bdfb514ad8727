"""The replication runs, for the academy's IT staff (a school head gets 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from staff.selectors import academies_for_user

from .selectors import run_kinds, run_up, runs_recent

PER_PAGE = 20


@login_required
@require_GET
def runs(request: HttpRequest) -> HttpResponse:
    if not academies_for_user(user=request.user).exists():
        raise Http404("Page introuvable.")
    page = Paginator(runs_recent(), PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"run": run, "kinds": run_kinds(run), "up": run_up(run)} for run in page]
    return render(request, "replication/runs.html", {"page": page, "rows": rows, "query": ""})

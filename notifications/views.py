"""Screens of the notifications (manual §5.4.2, §5.4.3, §5.5.1, §5.5.2; SPEC C3, C5, D2, D3).

- C3 "Notifier en masse" (guardians) and D2 (students): criteria in the query string, the list
  page by page, "Notifier" posts to the same URL and goes to the run's result page.
- The result page of a run: the letters job's progress bar, then its PDF; the e-mail counts.
- "Notifier code" of the pair screen (e-mail or letter) and of the student screen (letter).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from codes.screens import first_error, query_without_page
from jobs.models import Job
from jobs.selectors import job_status
from services.selectors import school_has_open_service
from siecle.models import GuardianLink, Student
from staff.access import get_for_school_or_404, school_required
from staff.roles import Permission

from . import services
from .emails import emails_batch_counts
from .forms import ConfirmForm, GuardianNotifyForm, PairNotifyForm, StudentNotifyForm
from .selectors import (
    guardian_notify_rows,
    guardian_notify_values,
    guardian_pairs_to_notify,
    notification_run_summary,
    student_notify_rows,
    student_notify_values,
    students_to_notify,
)

# 200 lines is a few divisions; the whole selection is sent whatever the page shown.
PAGE_SIZE = 200
NO_MODE = "Cochez un mode de transmission : courrier électronique, document papier ou les deux."


def _notify(request: HttpRequest, start) -> HttpResponse | None:
    """Run `start(confirmed)` for a "Notifier" post; the run's page, or None with an error message."""
    confirm = ConfirmForm(request.POST)
    confirm.is_valid()
    try:
        outcome = start(bool(confirm.cleaned_data.get("sans_service")), confirm.cleaned_data.get("jeton"))
    except services.AlreadySent as already:
        if already.run is not None:
            messages.info(request, str(already))
            return redirect("notifications:run", job_id=already.run.pk)
        messages.warning(request, str(already))
        return None
    except services.NotifyError as error:
        messages.error(request, str(error))
        return None
    return redirect("notifications:run", job_id=outcome.run.pk)


@school_required(permission=Permission.CODES_NOTIFY, post=Permission.CODES_NOTIFY)
@require_http_methods(["GET", "POST"])
def guardians(request: HttpRequest) -> HttpResponse:
    """C3: the list appears once a transmission mode is ticked; "Notifier" sends the whole selection."""
    school = request.school
    form = GuardianNotifyForm(request.GET or None, school=school)
    valid = form.is_bound and form.is_valid()
    mode = form.mode if valid else ""
    if request.method == "POST":
        if not mode:
            messages.error(request, first_error(form) if form.is_bound and form.errors else NO_MODE)
        else:
            done = _notify(
                request,
                lambda confirmed, token: services.notify_guardians(
                    school=school,
                    selection=form.selection(),
                    ranks=form.ranks(),
                    who=form.cleaned_data["qui"],
                    mode=mode,
                    by=request.user,
                    confirmed_without_service=confirmed,
                    token=token,
                ),
            )
            if done:
                return done
    page = rows = None
    if mode:
        qs = guardian_pairs_to_notify(
            school=school, selection=form.selection(), ranks=form.ranks(), who=form.cleaned_data["qui"]
        )
        page = Paginator(guardian_notify_values(qs), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [(row, row.contact(mode)) for row in guardian_notify_rows(page.object_list)]
    return render(
        request,
        "notifications/guardians.html",
        {
            "form": form,
            "mode": mode,
            "page": page,
            "rows": rows,
            "shows_dates": valid and form.cleaned_data["qui"] != "new",
            "has_open_service": school_has_open_service(school=school),
            "no_service_message": services.NO_OPEN_SERVICE,
            "nothing_message": services.NOTHING_SELECTED,
            "confirm": ConfirmForm.fresh(),
            "query": query_without_page(request),
        },
    )


@school_required(permission=Permission.CODES_NOTIFY, post=Permission.CODES_NOTIFY)
@require_http_methods(["GET", "POST"])
def students(request: HttpRequest) -> HttpResponse:
    """D2: paper only; the list appears with "Rechercher"; "Notifier" prints the whole selection."""
    school = request.school
    form = StudentNotifyForm(request.GET or None, school=school)
    valid = form.is_bound and form.is_valid()
    if request.method == "POST":
        if not valid:
            messages.error(request, first_error(form) if form.is_bound else "Affichez d'abord la liste.")
        else:
            done = _notify(
                request,
                lambda confirmed, token: services.notify_students(
                    school=school,
                    selection=form.selection(),
                    who=form.cleaned_data["qui"],
                    refused=form.cleaned_data["refus"],
                    by=request.user,
                    confirmed_without_service=confirmed,
                    token=token,
                ),
            )
            if done:
                return done
    page = rows = None
    if valid:
        qs = students_to_notify(
            school=school, selection=form.selection(), who=form.cleaned_data["qui"], refused=form.cleaned_data["refus"]
        )
        page = Paginator(student_notify_values(qs), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = student_notify_rows(page.object_list)
    return render(
        request,
        "notifications/students.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "shows_dates": valid and form.cleaned_data["qui"] != "new",
            "has_open_service": school_has_open_service(school=school),
            "no_service_message": services.NO_OPEN_SERVICE,
            "confirm": ConfirmForm.fresh(),
            "query": query_without_page(request),
        },
    )


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


@school_required(permission=Permission.CODES_NOTIFY)
@require_GET
def run(request: HttpRequest, job_id) -> HttpResponse:
    """A notification's result: the letters' progress then the PDF, the e-mails' counts, the skipped."""
    record = get_for_school_or_404(Job, request.school, pk=job_id, kind=services.RUN_KIND)
    summary = notification_run_summary(run=record)
    letters_job = None
    if summary.letters_job_id and _uuid_or_none(summary.letters_job_id):
        letters_job = Job.objects.filter(school=request.school, pk=summary.letters_job_id).first()
    batch = _uuid_or_none(summary.batch)
    return render(
        request,
        "notifications/run.html",
        {
            "run": record,
            "summary": summary,
            "letters_job": letters_job,
            "letters_status": job_status(job=letters_job) if letters_job else None,
            "letters_result": (letters_job.result or {}) if letters_job else {},
            "email_counts": emails_batch_counts(batch=batch) if batch else None,
            "refresh_seconds": settings.NOTIFICATIONS_RUN_REFRESH_SECONDS,
            "back": _back_link(request, record),
            "nav_parent": RUN_PARENTS.get((record.params or {}).get("who", ""), "notifications:guardians"),
        },
    )


# The menu entry a result page sits below, by what was notified (the breadcrumb says where it came from).
RUN_PARENTS = {"guardians": "notifications:guardians", "students": "notifications:students", "pair": "car:manage"}


def _back_link(request: HttpRequest, record: Job) -> tuple[str, str]:
    """Where the result page leads back: the pair or the student notified alone, else the mass screen."""
    for param, name, label in (("pair", "car:pair", "Retour au couple"), ("eleve", "cae:student", "Retour à l'élève")):
        value = request.GET.get(param, "")
        if value.isascii() and value.isdigit() and len(value) < 19:
            return reverse(name, args=[int(value)]), label
    if (record.params or {}).get("who") == "students":
        return reverse("notifications:students"), "Retour à la notification des élèves"
    return reverse("notifications:guardians"), "Retour à la notification des responsables"


@school_required(post=Permission.CODES_NOTIFY)
@require_POST
def pair_notify(request: HttpRequest, link_id: int) -> HttpResponse:
    """C5 "Notifier code": e-mail or letter, repeatable; the run's page follows the sending."""
    link = get_for_school_or_404(
        GuardianLink.objects.select_related("student__school", "guardian"),
        request.school,
        school_field="student__school",
        pk=link_id,
    )
    pair_url = reverse("car:pair", args=[link.pk])
    form = PairNotifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(pair_url)
    try:
        outcome = services.notify_pair(link=link, mode=form.cleaned_data["mode"], by=request.user)
    except services.NotifyError as error:
        messages.error(request, str(error))
        return redirect(pair_url)
    return redirect(reverse("notifications:run", kwargs={"job_id": outcome.run.pk}) + f"?pair={link.pk}")


@school_required(post=Permission.CODES_NOTIFY)
@require_POST
def student_notify(request: HttpRequest, student_id: int) -> HttpResponse:
    """D3 "Notifier": the student's letter; he then counts as notified."""
    pupil = get_for_school_or_404(Student.objects.select_related("school"), request.school, pk=student_id)
    try:
        outcome = services.notify_student(student=pupil, by=request.user)
    except services.NotifyError as error:
        messages.error(request, str(error))
        return redirect("cae:student", student_id=pupil.pk)
    return redirect(reverse("notifications:run", kwargs={"job_id": outcome.run.pk}) + f"?eleve={pupil.pk}")

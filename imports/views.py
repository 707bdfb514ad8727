from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jobs.models import Job, JobState
from siecle.importer import ImportReport
from staff.access import get_for_school_or_404, school_required
from staff.roles import Permission

from .forms import ApplyImportForm, SiecleImportForm
from .selectors import imports_recent
from .services import (
    IMPORT_KINDS,
    IMPORT_PREVIEW_KIND,
    PREVIEW_KEEP,
    ImportActionError,
    preview_blocker,
    preview_report,
    siecle_import_apply_start,
    siecle_import_cancel,
    siecle_import_preview_start,
)
from .uploads import ImportUploadHandler

KEEP_HOURS = int(PREVIEW_KEEP.total_seconds() // 3600)


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body...
@school_required(permission=Permission.IMPORTS_RUN, post=Permission.IMPORTS_RUN)
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    handler = ImportUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return _import_page(request)
    finally:
        # Whatever happened (form refused, CSRF failure, crash), an upload that no job took is
        # deleted now, not left for the sweeper.
        handler.discard_unless_kept()


@csrf_protect  # ...which then happens here, as usual
def _import_page(request: HttpRequest) -> HttpResponse:
    form = SiecleImportForm(request.POST or None, request.FILES or None, school=request.school)
    if request.method == "POST" and form.is_valid():
        job = siecle_import_preview_start(school=request.school, upload=form.cleaned_data["export"], user=request.user)
        messages.success(
            request, "Le fichier est déposé : l'aperçu de son import est en cours, rien n'est encore enregistré."
        )
        return redirect("imports:report", job_id=job.pk)
    recent = imports_recent(school=request.school)
    return render(request, "imports/import.html", {"form": form, "recent": recent, "keep_hours": KEEP_HOURS})


def _preview_page(request: HttpRequest, job: Job, *, form: ApplyImportForm | None = None, status: int = 200):
    report = preview_report(job)
    context = {
        "job": job,
        "report": report,
        "risks": report.risks if report else None,
        "blocker": preview_blocker(job) if report else None,
        "form": form or ApplyImportForm(),
        "keep_hours": KEEP_HOURS,
        "applied_job": job.params.get("applied_by"),
    }
    return render(request, "imports/preview.html", context, status=status)


@require_GET
@school_required(permission=Permission.IMPORTS_RUN)
def import_report(request: HttpRequest, job_id) -> HttpResponse:
    job = get_for_school_or_404(Job, request.school, pk=job_id, kind__in=IMPORT_KINDS)
    if job.kind == IMPORT_PREVIEW_KIND:
        return _preview_page(request, job)
    report = ImportReport.from_dict(job.result) if job.state == JobState.DONE and job.result else None
    return render(request, "imports/import_report.html", {"job": job, "report": report})


@require_POST
@school_required(post=Permission.IMPORTS_RUN)
def import_apply(request: HttpRequest, job_id) -> HttpResponse:
    preview = get_for_school_or_404(Job, request.school, pk=job_id, kind=IMPORT_PREVIEW_KIND)
    form = ApplyImportForm(request.POST)
    if form.is_valid():
        try:
            job = siecle_import_apply_start(
                preview=preview, user=request.user, risks_confirmed=form.cleaned_data["confirm_risks"]
            )
        except ImportActionError as exc:
            preview.refresh_from_db()
            launched = (preview.params or {}).get("applied_by")
            if launched:
                # A second click, or another tab: show the import already launched.
                messages.info(request, "Cet aperçu a déjà été appliqué : voici l'import lancé.")
                return redirect("imports:report", job_id=launched)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Import lancé : les changements de l'aperçu sont en cours d'enregistrement.")
            return redirect("imports:report", job_id=job.pk)
    preview.refresh_from_db()
    return _preview_page(request, preview, form=form, status=400)


@require_POST
@school_required(post=Permission.IMPORTS_RUN)
def import_cancel(request: HttpRequest, job_id) -> HttpResponse:
    preview = get_for_school_or_404(Job, request.school, pk=job_id, kind=IMPORT_PREVIEW_KIND)
    try:
        siecle_import_cancel(preview=preview)
    except ImportActionError as exc:
        messages.error(request, exc.message)
        return redirect("imports:report", job_id=preview.pk)
    messages.success(request, "Aperçu annulé : le fichier déposé est supprimé, rien n'a été importé.")
    return redirect("imports:import")

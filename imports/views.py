from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from jobs.models import Job, JobState
from jobs.selectors import jobs_recent
from siecle.importer import ImportReport
from staff.access import get_for_school_or_404, school_required

from .forms import SiecleImportForm
from .services import IMPORT_JOB_KIND, siecle_import_start
from .uploads import ImportUploadHandler


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body...
@school_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    request.upload_handlers = [ImportUploadHandler(request)]
    return _import_page(request)


@csrf_protect  # ...which then happens here, as usual
def _import_page(request: HttpRequest) -> HttpResponse:
    form = SiecleImportForm(request.POST or None, request.FILES or None, school=request.school)
    if request.method == "POST":
        if form.is_valid():
            job = siecle_import_start(school=request.school, upload=form.cleaned_data["export"], user=request.user)
            messages.success(request, "Le fichier est déposé : son import est lancé.")
            return redirect("imports:report", job_id=job.pk)
        for upload in request.FILES.values():
            if hasattr(upload, "discard"):
                upload.discard()
    recent = jobs_recent(school=request.school, kind=IMPORT_JOB_KIND)
    return render(request, "imports/import.html", {"form": form, "recent": recent})


@require_GET
@school_required
def import_report(request: HttpRequest, job_id) -> HttpResponse:
    job = get_for_school_or_404(Job, request.school, pk=job_id, kind=IMPORT_JOB_KIND)
    report = ImportReport.from_dict(job.result) if job.state == JobState.DONE and job.result else None
    return render(request, "imports/import_report.html", {"job": job, "report": report})

"""Download of a letters batch's PDF (PAPER): staff of the job's school only."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.hooks import audit_pdf
from jobs.models import Job
from staff.access import get_for_school_or_404, school_required
from staff.roles import Permission

from .batches import JOB_KIND, letters_pdf_path


@require_GET
@school_required(permission=Permission.CODES_NOTIFY)
def letters_pdf(request: HttpRequest, job_id) -> FileResponse:
    """The joined PDF of a finished letters job of the current school; 404 for any other."""
    job = get_for_school_or_404(Job, request.school, pk=job_id, kind=JOB_KIND)
    path = letters_pdf_path(job)
    if path is None:
        raise Http404("Ce fichier n’existe plus.")
    audit_pdf(request, what="courriers", object_id=job.pk, rows=(job.result or {}).get("letters"))
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        # The school's clock (Paris), as the run page shows the time it was launched, not UTC.
        filename=f"courriers-{timezone.localtime(job.created_at):%Y%m%d-%H%M}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from staff.access import get_for_school_or_404, school_required

from .models import Job
from .selectors import job_status


@require_GET
@school_required
def status(request: HttpRequest, job_id) -> JsonResponse:
    """The job's state as JSON, for the progress bar; a job of another school is a 404."""
    job = get_for_school_or_404(Job, request.school, pk=job_id)
    response = JsonResponse(job_status(job=job))
    response["Cache-Control"] = "no-store"
    return response

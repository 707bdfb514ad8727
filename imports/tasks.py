"""Background import of an uploaded SIECLE export, with progress (the "Import SIECLE" page)."""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from jobs.models import Job
from jobs.services import job_claim, job_fail, job_finish, job_progress
from siecle.importer import ExportFile, ExportRefused, import_exports

logger = logging.getLogger(__name__)
IMPORT_TIME_LIMIT = 30 * 60


@shared_task(acks_late=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60)
def import_siecle_job(job_id: str) -> None:
    """Import the job's file for the job's school. A job already taken is left alone."""
    if not job_claim(job_id=job_id, message="Lecture du fichier"):
        return
    job = Job.objects.select_related("school").get(pk=job_id)
    path = (Path(settings.MEDIA_ROOT) / job.params.get("file", "")).resolve()
    if Path(settings.MEDIA_ROOT).resolve() not in path.parents or not path.is_file():
        job_fail(job_id=job_id, message="Le fichier déposé est introuvable ; déposez-le à nouveau.")
        return
    try:

        def progress(done: int, total: int, message: str) -> None:
            job_progress(job_id=job_id, done=done, total=total, message=message)

        report = import_exports(
            [ExportFile(path, name=job.params.get("name") or path.name)], uaj=job.school.uaj, progress=progress
        )
    except ExportRefused as exc:
        job_fail(job_id=job_id, message=exc.message)
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, message="L'import a dépassé la durée maximale ; rien n'a été enregistré.")
    except Exception:
        logger.exception("SIECLE import job %s failed", job_id)
        job_fail(job_id=job_id, message="Erreur inattendue pendant l'import ; rien n'a été enregistré.")
    else:
        job_finish(job_id=job_id, result=report.to_dict(), message="Import terminé")
    finally:
        path.unlink(missing_ok=True)

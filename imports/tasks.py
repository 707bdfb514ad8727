"""Background runs of an uploaded SIECLE export, with progress: the preview, then the import.

The preview is the import run as a dry run (rolled back); its file is kept for the apply.
The apply imports the same file with the head's confirmation; its file is removed after.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_claim, job_fail, job_finish, job_progress
from siecle.importer import Confirmation, ExportFile, ExportRefused, import_exports

logger = logging.getLogger(__name__)
IMPORT_TIME_LIMIT = 30 * 60
# How long a previewed file waits for "Appliquer cet import" (then the beat sweeper removes it).
PREVIEW_KEEP = datetime.timedelta(hours=24)


def _job_path(job: Job) -> Path | None:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / job.params.get("file", "")).resolve()
    return path if root in path.parents and path.is_file() else None


def _run(job_id: str, *, dry_run: bool) -> None:
    if not job_claim(job_id=job_id, message="Lecture du fichier"):
        return
    job = Job.objects.select_related("school").get(pk=job_id)
    path = _job_path(job)
    if path is None:
        job_fail(job_id=job_id, message="Le fichier déposé est introuvable ; déposez-le à nouveau.")
        return
    keep = False
    try:

        def progress(done: int, total: int, message: str) -> None:
            job_progress(job_id=job_id, done=done, total=total, message=message)

        confirmation = Confirmation(**job.params["confirmation"]) if "confirmation" in job.params else None
        # The applied import and its job's outcome commit together: a worker that dies in between
        # leaves neither, so "rien n'a été enregistré" (the stale sweeper's message) stays true.
        with transaction.atomic():
            report = import_exports(
                [ExportFile(path, name=job.params.get("name") or path.name)],
                uaj=job.school.uaj,
                dry_run=dry_run,
                progress=progress,
                confirmation=confirmation,
            )
            if not dry_run:
                job_finish(job_id=job_id, result=report.to_dict(), message="Import terminé")
    except ExportRefused as exc:
        job_fail(job_id=job_id, message=exc.message)
    except SoftTimeLimitExceeded:
        job_fail(job_id=job_id, message="L'import a dépassé la durée maximale ; rien n'a été enregistré.")
    except Exception:
        logger.exception("SIECLE import job %s failed", job_id)
        job_fail(job_id=job_id, message="Erreur inattendue pendant l'import ; rien n'a été enregistré.")
    else:
        if dry_run:
            # Locked like "Annuler" locks it: a cancel either comes first (the file goes now) or
            # finds the preview done (and deletes the file itself); never both missed.
            with transaction.atomic():
                cancelled = (Job.objects.select_for_update().get(pk=job_id).params or {}).get("cancelled", False)
                keep = not cancelled
                params = {"keep_file_until": (timezone.now() + PREVIEW_KEEP).isoformat()} if keep else None
                job_finish(job_id=job_id, result=report.to_dict(), message="Aperçu prêt", params=params)
    finally:
        if not keep:
            path.unlink(missing_ok=True)


@shared_task(acks_late=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60)
def import_siecle_preview_job(job_id: str) -> None:
    """What importing the job's file would do, computed and rolled back; the file is kept."""
    _run(job_id, dry_run=True)


@shared_task(acks_late=True, time_limit=IMPORT_TIME_LIMIT, soft_time_limit=IMPORT_TIME_LIMIT - 60)
def import_siecle_job(job_id: str) -> None:
    """Import the job's file for the job's school, within what its preview showed. A job already
    taken is left alone."""
    _run(job_id, dry_run=False)

"""Writes of the import page: keep an upload, preview it, apply it once confirmed, or cancel.

The flow: an upload is kept in the private imports folder and a preview job runs the import
as a dry run (the same code as the real one, rolled back), which gives the figures the head
confirms. The file stays there, never served, for PREVIEW_KEEP (24 hours); then the beat
sweeper (jobs.tasks.jobs_fail_stale) removes it. "Appliquer cet import" queues a second job
that imports the same file with what the head confirmed as ceilings; "Annuler" deletes the
file at once. Nothing is written to the SIECLE base before the apply job commits.
"""

from __future__ import annotations

import datetime
import os

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jobs.models import Job, JobState
from jobs.services import job_create, job_file_path, job_keeps_file
from siecle.importer import ImportReport
from siecle.models import School

from .tasks import PREVIEW_KEEP, import_siecle_job, import_siecle_preview_job
from .uploads import IMPORTS_FOLDER, imports_dir, new_upload_path

IMPORT_PREVIEW_KIND = "siecle_import_preview"
IMPORT_JOB_KIND = "siecle_import"
IMPORT_KINDS = (IMPORT_PREVIEW_KIND, IMPORT_JOB_KIND)


class ImportActionError(Exception):
    """An apply or a cancel that cannot be done: one French line for the page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _keep_upload(upload: UploadedFile) -> str:
    """The upload's file inside the imports folder (copied there unless the upload handler put it
    there already); returns its name relative to MEDIA_ROOT."""
    path = getattr(upload, "path", None)
    if path is None or os.path.dirname(path) != str(imports_dir()):
        path = new_upload_path()
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.chmod(path, 0o600)
    else:
        upload.file.flush()
    upload.kept = True  # the page's clean-up leaves it alone
    return f"{IMPORTS_FOLDER}/{os.path.basename(path)}"


def siecle_import_preview_start(*, school: School, upload: UploadedFile, user: AbstractBaseUser | None) -> Job:
    """Keep the uploaded export and queue its preview (a dry run) once the transaction commits."""
    job = job_create(
        school=school,
        kind=IMPORT_PREVIEW_KIND,
        created_by=user,
        params={"file": _keep_upload(upload), "name": os.path.basename(upload.name or "")[:150]},
        total=upload.size,
        message="En attente d'un processus disponible",
    )
    transaction.on_commit(lambda: import_siecle_preview_job.delay(str(job.pk)))
    return job


def preview_report(job: Job) -> ImportReport | None:
    if job.kind != IMPORT_PREVIEW_KIND or job.state != JobState.DONE or not job.result:
        return None
    return ImportReport.from_dict(job.result)


def preview_blocker(job: Job, *, now: datetime.datetime | None = None) -> str | None:
    """Why this preview can no longer be applied (French), or None when it can."""
    params = job.params or {}
    if params.get("applied_by"):
        return "Cet aperçu a déjà été appliqué."
    if params.get("cancelled"):
        return "Cet aperçu a été annulé : déposez à nouveau le fichier pour l'importer."
    if job.state != JobState.DONE:
        return "L'aperçu n'est pas terminé."
    newer = Job.objects.filter(
        school_id=job.school_id, kind=IMPORT_JOB_KIND, state=JobState.DONE, finished_at__gt=job.finished_at
    )
    if job.finished_at is not None and newer.exists():
        # Applying it now would undo what the later import changed (classes, addresses, ranks).
        return (
            "Un autre import a été appliqué depuis cet aperçu : il ne peut plus l'être. "
            "Déposez à nouveau le fichier pour voir ce qu'il changerait aujourd'hui."
        )
    path = job_file_path(job)
    if not job_keeps_file(job, now=now) or path is None or not path.is_file():
        hours = int(PREVIEW_KEEP.total_seconds() // 3600)
        return f"Cet aperçu a expiré (le fichier n'est conservé que {hours} heures) : déposez à nouveau le fichier."
    return None


def siecle_import_apply_start(*, preview: Job, user: AbstractBaseUser | None, risks_confirmed: bool) -> Job:
    """Queue the import of a previewed file, within what the preview showed.

    When the preview showed mass changes or a partial export, `risks_confirmed` (the head ticked
    the red box) must be true. The apply job refuses, and rolls back, any run that would do more
    than the preview showed. Raises ImportActionError (nothing done) otherwise.
    """
    with transaction.atomic():
        preview = Job.objects.select_for_update().get(pk=preview.pk)
        blocker = preview_blocker(preview)
        if blocker:
            raise ImportActionError(blocker)
        report = ImportReport.from_dict(preview.result)
        risks = report.risks
        if risks.any and not risks_confirmed:
            raise ImportActionError(
                "Cochez la case de confirmation pour appliquer un import qui fait ces changements ; "
                "rien n'a été importé."
            )
        accepted = bool(risks.any and risks_confirmed)
        job = job_create(
            school=preview.school,
            kind=IMPORT_JOB_KIND,
            created_by=user,
            params={
                "file": preview.params["file"],
                "name": preview.params.get("name", ""),
                "preview": str(preview.pk),
                "confirmation": {
                    "allow_mass_changes": accepted and risks.mass_changes,
                    "allow_partial": accepted and bool(risks.partial),
                    "previewed": report.harm(),
                },
            },
            total=preview.total,
            message="En attente d'un processus disponible",
        )
        preview.params = {
            **{k: v for k, v in preview.params.items() if k != "keep_file_until"},
            "applied_by": str(job.pk),
        }
        preview.save(update_fields=["params", "updated_at"])
        transaction.on_commit(lambda: import_siecle_job.delay(str(job.pk)))
    return job


def siecle_import_cancel(*, preview: Job) -> None:
    """Give up a preview: its kept file is deleted at once."""
    with transaction.atomic():
        preview = Job.objects.select_for_update().get(pk=preview.pk)
        params = preview.params or {}
        if params.get("applied_by"):
            raise ImportActionError("Cet aperçu a déjà été appliqué : il ne peut plus être annulé.")
        path = job_file_path(preview)
        preview.params = {**{k: v for k, v in params.items() if k != "keep_file_until"}, "cancelled": True}
        preview.save(update_fields=["params", "updated_at"])
        if path is not None and preview.state == JobState.DONE:
            path.unlink(missing_ok=True)

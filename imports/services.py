"""Writes of the SIECLE app that screens call."""

from __future__ import annotations

import os

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from jobs.models import Job
from jobs.services import job_create
from siecle.models import School

from .tasks import import_siecle_job
from .uploads import IMPORTS_FOLDER, imports_dir, new_upload_path

IMPORT_JOB_KIND = "siecle_import"


def siecle_import_start(*, school: School, upload: UploadedFile, user: AbstractBaseUser | None) -> Job:
    """Keep the uploaded export in the imports folder and queue its import as a job.

    `upload` is an ImportUploadedFile (already in the imports folder) or any uploaded file,
    which is then copied there. The job runs once the current transaction commits.
    """
    path = getattr(upload, "path", None)
    if path is None or os.path.dirname(path) != str(imports_dir()):
        path = new_upload_path()
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    else:
        upload.file.flush()
    job = job_create(
        school=school,
        kind=IMPORT_JOB_KIND,
        created_by=user,
        params={"file": f"{IMPORTS_FOLDER}/{os.path.basename(path)}", "name": os.path.basename(upload.name)[:150]},
        total=upload.size,
        message="En attente d'un processus disponible",
    )
    transaction.on_commit(lambda: import_siecle_job.delay(str(job.pk)))
    return job

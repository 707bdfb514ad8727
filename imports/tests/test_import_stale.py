"""An import whose job was failed by the beat sweeper: the page says to upload again."""

import datetime
import os

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from imports.services import IMPORT_JOB_KIND
from imports.uploads import imports_dir
from jobs.models import Job
from jobs.services import job_create
from jobs.tasks import jobs_fail_stale

pytestmark = pytest.mark.django_db

OLD = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 600)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_report_page_of_a_failed_stale_import_says_to_upload_again(head_client, school):
    path = imports_dir() / "h.upload"
    path.write_bytes(b"<BEE_ELEVES/>")
    stamp = (timezone.now() - OLD).timestamp()
    os.utime(path, (stamp, stamp))
    job = job_create(school=school, kind=IMPORT_JOB_KIND, params={"file": f"imports/{path.name}", "name": "e.xml"})
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - OLD)
    jobs_fail_stale()
    page = head_client.get(reverse("imports:report", args=[job.pk])).content.decode()
    assert "relancez" in page and 'role="progressbar"' not in page
    listing = head_client.get(reverse("imports:import")).content.decode()
    assert "Échec" in listing
    assert not path.exists()  # the imports folder is registered with the sweeper

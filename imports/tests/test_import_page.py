"""The "Import SIECLE" page: upload, job, report; tenancy; uploads kept in the media folder."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.services import IMPORT_JOB_KIND, IMPORT_PREVIEW_KIND
from imports.tasks import import_siecle_job, import_siecle_preview_job
from jobs.models import Job, JobState
from siecle.models import Student
from siecle.tests.exports import StudentRow, write_students_export

pytestmark = pytest.mark.django_db
URL = "/import/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def export_of(uaj: str, students=None) -> bytes:
    out = io.BytesIO()
    rows = students or [
        StudentRow("1", "BERNARD", "Élise", ine="123456789AB", mef="10310019110", division="3A"),
        StudentRow("2", "THOMAS", "Noé", mef="10310019110", division="3B"),
    ]
    write_students_export(out, uaj=uaj, year=2026, students=rows)
    return out.getvalue()


def upload(client, content: bytes, name: str = "ElevesSansAdresses.xml"):
    return client.post(URL, {"export": SimpleUploadedFile(name, content, "text/xml")})


def imports_folder(media):
    folder = media / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_page_offers_the_upload_form(head_client):
    response = head_client.get(reverse("imports:import"))
    assert response.status_code == 200
    assert "Export SIECLE" in response.content.decode()
    assert "Aucun import pour l'instant" in response.content.decode()


def test_an_upload_is_previewed_then_applied_once_confirmed(
    head_client, school, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(head_client, export_of(school.uaj))
    preview = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:report", args=[preview.pk])
    assert (preview.school, preview.kind, preview.state, preview.params["name"]) == (
        school,
        IMPORT_PREVIEW_KIND,
        JobState.PENDING,
        "ElevesSansAdresses.xml",
    )
    assert len(callbacks) == 1
    saved = imports_folder(media)
    assert len(saved) == 1 and saved[0].endswith(".upload") and "Eleves" not in saved[0]

    page = head_client.get(response["Location"]).content.decode()
    assert 'role="progressbar"' in page and "jobs-progress.js" in page

    import_siecle_preview_job(str(preview.pk))

    preview.refresh_from_db()
    assert preview.state == JobState.DONE
    assert not Student.objects.exists()  # a preview writes nothing
    assert imports_folder(media) == saved  # the file waits for the confirmation
    page = head_client.get(response["Location"]).content.decode()
    assert "rien n'a encore été enregistré" in page
    assert "Appliquer cet import" in page and "Ce qu'un import peut invalider" in page
    assert 'id="import-risks"' not in page  # a first import of a school: nothing massive

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = head_client.post(reverse("imports:apply", args=[preview.pk]))
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("imports:report", args=[job.pk])
    assert len(callbacks) == 1
    import_siecle_job(str(job.pk))

    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert set(Student.objects.filter(school=school).values_list("last_name", flat=True)) == {"BERNARD", "THOMAS"}
    assert imports_folder(media) == []  # the upload is removed once imported
    page = head_client.get(response["Location"]).content.decode()
    assert "Import terminé pour" in page
    assert "Élèves sans INE (importés) : 1" in page
    listing = head_client.get(URL).content.decode()
    assert "ElevesSansAdresses.xml" in listing and "Terminée" in listing and "Aperçu (appliqué)" in listing
    # The same preview cannot be applied twice: a second click shows the import already launched.
    response = head_client.post(reverse("imports:apply", args=[preview.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("imports:report", args=[job.pk])
    assert "déjà été appliqué" in response.content.decode()
    assert Job.objects.filter(kind=IMPORT_JOB_KIND).count() == 1


def previewed(head_client, content: bytes, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=False):
        upload(head_client, content)
    preview = Job.objects.filter(kind=IMPORT_PREVIEW_KIND).latest("created_at")
    import_siecle_preview_job(str(preview.pk))
    preview.refresh_from_db()
    return preview


def test_cancelling_a_preview_deletes_its_file_at_once_and_imports_nothing(
    head_client, school, media, django_capture_on_commit_callbacks
):
    preview = previewed(head_client, export_of(school.uaj), django_capture_on_commit_callbacks)
    assert len(imports_folder(media)) == 1
    response = head_client.post(reverse("imports:cancel", args=[preview.pk]))
    assert response.status_code == 302 and response["Location"] == URL
    assert imports_folder(media) == []
    response = head_client.post(reverse("imports:apply", args=[preview.pk]))
    assert response.status_code == 400 and "a été annulé" in response.content.decode()
    assert not Student.objects.exists() and not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()


def test_a_preview_kept_past_its_time_is_swept_and_can_no_longer_be_applied(
    head_client, school, media, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from jobs.services import jobs_fail_stale

    preview = previewed(head_client, export_of(school.uaj), django_capture_on_commit_callbacks)
    assert jobs_fail_stale(now=timezone.now() + datetime.timedelta(hours=23))["files_removed"] == 0
    assert len(imports_folder(media)) == 1  # kept while the head may still confirm
    assert jobs_fail_stale(now=timezone.now() + datetime.timedelta(hours=25))["files_removed"] == 1
    assert imports_folder(media) == []
    response = head_client.post(reverse("imports:apply", args=[preview.pk]))
    assert response.status_code == 400 and "Cet aperçu a expiré" in response.content.decode()
    assert not Student.objects.exists()


def test_running_the_job_twice_imports_once(head_client, school, django_capture_on_commit_callbacks):
    preview = previewed(head_client, export_of(school.uaj), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        head_client.post(reverse("imports:apply", args=[preview.pk]))
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    import_siecle_job(str(job.pk))
    finished_at = Job.objects.get(pk=job.pk).finished_at
    import_siecle_job(str(job.pk))
    assert Job.objects.get(pk=job.pk).finished_at == finished_at
    assert Student.objects.count() == 2


def test_a_file_of_another_school_is_refused_in_french_and_not_kept(head_client, media):
    response = upload(head_client, export_of("0750680G"))
    assert response.status_code == 200
    assert "export de l&#x27;établissement 0750680G, pas du vôtre" in response.content.decode()
    assert not Job.objects.exists()
    assert imports_folder(media) == []


def test_a_file_that_is_not_an_export_is_refused(head_client, media):
    response = upload(head_client, b"bonjour", "notes.txt")
    assert "ce n&#x27;est pas un export SIECLE" in response.content.decode()
    assert not Job.objects.exists() and imports_folder(media) == []


def test_a_file_over_the_size_limit_is_refused_and_not_kept(head_client, school, media, settings):
    settings.SIECLE_UPLOAD_MAX_BYTES = 200
    response = upload(head_client, export_of(school.uaj))
    assert "Le fichier est trop volumineux" in response.content.decode()
    assert not Job.objects.exists() and imports_folder(media) == []


def test_a_malformed_export_fails_the_preview_with_its_reason_and_writes_nothing(
    head_client, school, media, django_capture_on_commit_callbacks
):
    broken = export_of(school.uaj).replace(b"</STRUCTURES_ELEVE>", b"</STRICTURES_ELEVE>", 1)
    with django_capture_on_commit_callbacks(execute=False):
        response = upload(head_client, broken)
    job = Job.objects.get()
    import_siecle_preview_job(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "XML mal formé" in job.message
    assert not Student.objects.exists()
    assert imports_folder(media) == []  # a refused file is not kept
    page = head_client.get(response["Location"]).content.decode()
    assert "ne peut pas être importé, rien n'a été enregistré" in page and "XML mal formé" in page
    assert "Appliquer cet import" not in page


def test_another_school_gets_404_on_the_report_and_the_job_status(
    head_client, other_client, school, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        upload(head_client, export_of(school.uaj))
    job = Job.objects.get()
    assert other_client.get(reverse("imports:report", args=[job.pk])).status_code == 404
    assert other_client.post(reverse("imports:report", args=[job.pk])).status_code == 405  # a read-only page
    assert other_client.post(reverse("imports:apply", args=[job.pk])).status_code == 404
    assert other_client.post(reverse("imports:cancel", args=[job.pk])).status_code == 404
    assert other_client.get(reverse("jobs:status", args=[job.pk])).status_code == 404
    assert head_client.get(reverse("jobs:status", args=[job.pk])).json()["state"] == "pending"
    assert "Aucun import" in other_client.get(URL).content.decode()


def test_the_upload_needs_the_csrf_token_and_a_refused_one_is_deleted_at_once(head_client, school, media):
    from django.conf import settings
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies = head_client.cookies
    client.cookies[settings.CSRF_COOKIE_NAME] = (
        "a" * 32
    )  # a cookie, but a forged form token: the body is read, then refused
    response = client.post(
        URL, {"export": SimpleUploadedFile("e.xml", export_of(school.uaj)), "csrfmiddlewaretoken": "b" * 32}
    )
    assert response.status_code == 403
    assert not Job.objects.exists()
    assert (media / "imports").is_dir()  # the upload was received...
    assert imports_folder(media) == []  # ...and deleted with the refusal


def test_an_upload_whose_view_crashes_is_deleted_at_once(head_client, school, media, monkeypatch):
    from imports import views

    def crash(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(views, "siecle_import_preview_start", crash)
    with pytest.raises(RuntimeError):
        upload(head_client, export_of(school.uaj))
    assert (media / "imports").is_dir() and imports_folder(media) == []


def test_a_job_whose_worker_died_says_so_instead_of_waiting_forever(head_client, school):
    import datetime

    from jobs.services import job_claim, job_create

    job = job_create(school=school, kind=IMPORT_JOB_KIND, params={"name": "eleves.xml"})
    job_claim(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(started_at=job.created_at - datetime.timedelta(hours=3))
    page = head_client.get(reverse("imports:report", args=[job.pk])).content.decode()
    assert "ne s'est pas terminé dans le temps imparti" in page
    assert 'role="progressbar"' not in page


def test_last_years_students_export_is_refused_on_the_page(head_client, school, media):
    out = io.BytesIO()
    write_students_export(out, uaj=school.uaj, year=2025, students=[StudentRow("1", "A", "B")])
    response = upload(head_client, out.getvalue())
    assert response.status_code == 200
    assert "antérieure à l&#x27;année en cours" in response.content.decode()
    assert not Job.objects.exists() and imports_folder(media) == []


def test_extra_file_parts_of_a_forged_request_are_never_written(head_client, school, media):
    response = head_client.post(
        URL,
        {
            "export": [
                SimpleUploadedFile("e.xml", export_of(school.uaj)),
                SimpleUploadedFile("second.xml", b"x" * 10_000),
            ],
            "other": SimpleUploadedFile("other.bin", b"y" * 10_000),
        },
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert imports_folder(media) == [job.params["file"].split("/")[-1]]


def test_a_preview_cancelled_while_it_runs_keeps_nothing(
    head_client, school, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        upload(head_client, export_of(school.uaj))
    preview = Job.objects.get()
    assert head_client.post(reverse("imports:cancel", args=[preview.pk])).status_code == 302
    assert len(imports_folder(media)) == 1  # the queued preview still reads it...
    import_siecle_preview_job(str(preview.pk))
    assert imports_folder(media) == []  # ...then drops it
    assert head_client.post(reverse("imports:apply", args=[preview.pk])).status_code == 400
    assert not Student.objects.exists()


def test_a_cancel_that_arrives_while_the_preview_runs_is_kept_and_the_file_deleted(
    head_client, school, media, django_capture_on_commit_callbacks, monkeypatch
):
    from imports import tasks
    from imports.services import siecle_import_cancel

    with django_capture_on_commit_callbacks(execute=False):
        upload(head_client, export_of(school.uaj))
    preview = Job.objects.get()
    real_import = tasks.import_exports

    def import_then_cancelled(*args, **kwargs):
        report = real_import(*args, **kwargs)
        siecle_import_cancel(preview=preview)  # the head clicks "Annuler" while the preview runs
        return report

    monkeypatch.setattr(tasks, "import_exports", import_then_cancelled)
    import_siecle_preview_job(str(preview.pk))

    preview.refresh_from_db()
    assert preview.state == JobState.DONE and preview.params["cancelled"] is True
    assert "keep_file_until" not in preview.params
    assert imports_folder(media) == []
    response = head_client.post(reverse("imports:apply", args=[preview.pk]))
    assert response.status_code == 400 and "a été annulé" in response.content.decode()


def test_an_older_preview_cannot_be_applied_after_a_newer_import(
    head_client, school, media, django_capture_on_commit_callbacks
):
    older = previewed(head_client, export_of(school.uaj), django_capture_on_commit_callbacks)
    newer_rows = [StudentRow("1", "BERNARD", "Élise", ine="123456789AB", mef="10310019110", division="3B")]
    newer = previewed(head_client, export_of(school.uaj, newer_rows), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        head_client.post(reverse("imports:apply", args=[newer.pk]), {"confirm_risks": "on"})
    import_siecle_job(str(Job.objects.get(kind=IMPORT_JOB_KIND).pk))
    assert Student.objects.get(school=school, last_name="BERNARD").division.code == "3B"

    response = head_client.post(reverse("imports:apply", args=[older.pk]), {"confirm_risks": "on"})

    assert response.status_code == 400
    assert "Un autre import a été appliqué depuis cet aperçu" in response.content.decode()
    assert Job.objects.filter(kind=IMPORT_JOB_KIND).count() == 1
    assert Student.objects.get(school=school, last_name="BERNARD").division.code == "3B"

"""The two incidents that once retired a whole school, replayed on the command and on the page.

1. A guardians export holding 3 persons, against a school of 296 students and ~590 legal
   links, marked the links as gone and invalidated their codes, notified ones included.
2. A students export of one student marked 296 of 296 students as left.

Without the confirmations nothing changes (students present, links legal, codes valid);
with them the import applies.
"""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from car.services import car_create_bulk
from codes.models import ActivationCode, CodeKind
from imports.services import IMPORT_JOB_KIND, IMPORT_PREVIEW_KIND
from imports.tasks import import_siecle_job, import_siecle_preview_job
from jobs.models import Job, JobState
from services.services import service_open, teleservices_activate
from siecle.factories import StudentFactory
from siecle.models import GuardianLink, Student
from siecle.tests.exports import (
    AddressRow,
    LinkRow,
    PersonRow,
    StudentRow,
    write_guardians_export,
    write_students_export,
)

pytestmark = pytest.mark.django_db

STUDENTS = 296
NOTIFIED = 40


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def students_export(uaj: str, ids) -> bytes:
    out = io.BytesIO()
    rows = [StudentRow(str(i), f"ELEVE{i}", "Prénom", mef="10310019110", division=f"3{i % 8}") for i in ids]
    write_students_export(out, uaj=uaj, year=2026, students=rows)
    return out.getvalue()


def guardians_export(uaj: str, ids) -> bytes:
    out = io.BytesIO()
    persons, links = [], []
    for i in ids:
        persons += [PersonRow(f"m{i}", f"PARENT{i}", "Mère", address_id="a"), PersonRow(f"p{i}", f"PARENT{i}", "Père")]
        links += [
            LinkRow(str(i), f"m{i}", level=1, relationship="10"),
            LinkRow(str(i), f"p{i}", level=1, relationship="20"),
        ]
    write_guardians_export(out, uaj=uaj, year=2026, persons=persons, links=links, addresses=[AddressRow("a", "1 RUE")])
    return out.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


@pytest.fixture
def lived_school(school, head, tmp_path):
    """296 students, two legal guardians each, a CAR for every pair, 40 of them handed out."""
    call_command(
        "import_siecle", write(tmp_path, "e.xml", students_export(school.uaj, range(STUDENTS))), stdout=io.StringIO()
    )
    call_command(
        "import_siecle", write(tmp_path, "r.xml", guardians_export(school.uaj, range(STUDENTS))), stdout=io.StringIO()
    )
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    legal = GuardianLink.objects.filter(student__school=school, legal_rank__gt=0)
    car_create_bulk(school=school, link_ids=list(legal.values_list("pk", flat=True)), by=head)
    handed_out = ActivationCode.objects.filter(school=school, kind=CodeKind.CAR).exclude(
        student__siecle_id__in=["0", "1"]  # the students the three persons' file keeps
    )
    notified = handed_out.order_by("pk")[:NOTIFIED]
    ActivationCode.objects.filter(pk__in=[c.pk for c in notified]).update(notified_at=datetime.date(2026, 9, 10))
    return school


def state(school) -> tuple[int, int, int, int]:
    """Present students, legal links, valid CARs, valid notified CARs."""
    cars = ActivationCode.objects.filter(school=school, kind=CodeKind.CAR, is_valid=True)
    return (
        Student.objects.filter(school=school, has_left=False).count(),
        GuardianLink.objects.filter(student__school=school, legal_rank__gt=0).count(),
        cars.count(),
        cars.filter(notified_at__isnull=False).count(),
    )


def refused(*args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import_siecle", *args, stdout=out)
    assert info.value.returncode == 2
    assert "\n" not in str(info.value)
    printed = out.getvalue()  # the summary of what it would have done
    assert printed.startswith("Import refusé, rien n'a été enregistré") and "Codes CAR valides invalidés" in printed
    return str(info.value)


def test_the_lived_school_is_what_the_incidents_hit(lived_school):
    assert state(lived_school) == (STUDENTS, 2 * STUDENTS, 2 * STUDENTS, NOTIFIED)


def test_a_guardians_export_of_three_persons_changes_nothing_without_both_flags(lived_school, tmp_path):
    before = state(lived_school)
    three = write(tmp_path, "r3.xml", _three_persons(lived_school.uaj))

    message = refused(three)
    assert "l'export responsables ne nomme que 2 élèves sur les 296 présents" in message
    assert "--allow-partial" in message
    assert state(lived_school) == before

    message = refused(three, "--allow-partial")
    assert f"{NOTIFIED} codes déjà remis aux familles seraient invalidés" in message
    assert "--allow-mass-changes" in message
    assert state(lived_school) == before

    out = io.StringIO()
    call_command("import_siecle", three, "--allow-partial", "--allow-mass-changes", stdout=out)
    assert state(lived_school) == (STUDENTS, 3, 3, 0)  # the three persons' links and codes are kept
    assert "Codes CAR valides invalidés : " in out.getvalue()


def _three_persons(uaj: str) -> bytes:
    """3 persons: both parents of student 0, the mother of student 1."""
    out = io.BytesIO()
    write_guardians_export(
        out,
        uaj=uaj,
        year=2026,
        persons=[PersonRow("m0", "PARENT0", "Mère"), PersonRow("p0", "PARENT0", "Père"), PersonRow("m1", "PARENT1")],
        links=[LinkRow("0", "m0", relationship="10"), LinkRow("0", "p0", relationship="20"), LinkRow("1", "m1")],
        addresses=[],
    )
    return out.getvalue()


def test_a_students_export_of_one_student_changes_nothing_without_both_flags(lived_school, tmp_path):
    before = state(lived_school)
    one = write(tmp_path, "e1.xml", students_export(lived_school.uaj, [0]))

    assert "l'export élèves ne nomme que 1 élève sur les 296 présents" in refused(one)
    assert state(lived_school) == before
    message = refused(one, "--allow-partial")
    assert "295 élèves présents sur 296 (100 %) seraient marqués comme sortis" in message
    assert state(lived_school) == before

    call_command("import_siecle", one, "--allow-partial", "--allow-mass-changes", stdout=io.StringIO())
    assert Student.objects.filter(school=lived_school, has_left=False).count() == 1


def test_the_dry_run_prints_the_summary_and_the_warnings_and_writes_nothing(lived_school, tmp_path):
    before = state(lived_school)
    out = io.StringIO()
    call_command("import_siecle", write(tmp_path, "r3.xml", _three_persons(lived_school.uaj)), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Simulation (--dry-run) : rien n'a été enregistré." in text
    assert f"dont {NOTIFIED} déjà remis aux familles" in text
    assert "Attention : l'export responsables ne nomme que 2 élèves" in text
    assert state(lived_school) == before


def test_an_ordinary_reimport_needs_no_flag(lived_school, tmp_path):
    """A few students leave (under 10 %), no notified code is touched: applied as before."""
    call_command(
        "import_siecle", write(tmp_path, "e.xml", students_export(lived_school.uaj, range(280))), stdout=io.StringIO()
    )
    assert Student.objects.filter(school=lived_school, has_left=False).count() == 280


# --- the page -------------------------------------------------------------------------------


def preview_on_the_page(client, content: bytes, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/import/", {"export": SimpleUploadedFile("export.xml", content, "text/xml")})
    assert response.status_code == 302
    preview = Job.objects.filter(kind=IMPORT_PREVIEW_KIND).latest("created_at")
    import_siecle_preview_job(str(preview.pk))
    preview.refresh_from_db()
    assert preview.state == JobState.DONE, preview.message
    return preview


def apply_on_the_page(client, preview: Job, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("imports:apply", args=[preview.pk]), data)
    if response.status_code == 302:
        import_siecle_job(str(Job.objects.get(kind=IMPORT_JOB_KIND, params__preview=str(preview.pk)).pk))
    return response


def test_on_the_page_the_three_persons_file_is_shown_in_red_and_needs_the_box(
    lived_school, head_client, django_capture_on_commit_callbacks
):
    before = state(lived_school)
    preview = preview_on_the_page(head_client, _three_persons(lived_school.uaj), django_capture_on_commit_callbacks)
    page = head_client.get(reverse("imports:report", args=[preview.pk])).content.decode()
    assert 'id="import-risks"' in page and "alert-danger" in page
    assert "ne nomme que 2 élèves sur les 296 présents" in page and "il semble partiel" in page
    assert f"{NOTIFIED} codes déjà remis aux familles seraient invalidés" in page
    assert f"{NOTIFIED} codes déjà remis aux familles seront invalidés ; j'applique quand même" in page
    assert state(lived_school) == before  # the preview wrote nothing

    response = apply_on_the_page(head_client, preview, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Cochez la case de confirmation" in response.content.decode()
    assert not Job.objects.filter(kind=IMPORT_JOB_KIND).exists()
    assert state(lived_school) == before

    response = apply_on_the_page(head_client, preview, django_capture_on_commit_callbacks, confirm_risks="on")
    assert response.status_code == 302
    assert Job.objects.get(kind=IMPORT_JOB_KIND).state == JobState.DONE
    assert state(lived_school) == (STUDENTS, 3, 3, 0)  # the three persons' links and codes are kept


def test_on_the_page_the_one_student_file_is_shown_in_red_and_needs_the_box(
    lived_school, head_client, django_capture_on_commit_callbacks
):
    before = state(lived_school)
    preview = preview_on_the_page(
        head_client, students_export(lived_school.uaj, [0]), django_capture_on_commit_callbacks
    )
    page = head_client.get(reverse("imports:report", args=[preview.pk])).content.decode()
    assert "295 élèves présents sur 296 (100 %) seraient marqués comme sortis" in page
    assert apply_on_the_page(head_client, preview, django_capture_on_commit_callbacks).status_code == 400
    assert state(lived_school) == before
    apply_on_the_page(head_client, preview, django_capture_on_commit_callbacks, confirm_risks="on")
    assert Student.objects.filter(school=lived_school, has_left=False).count() == 1


def test_an_apply_that_would_do_more_than_its_preview_is_refused_and_rolled_back(
    lived_school, head_client, django_capture_on_commit_callbacks
):
    """Previewed: 16 of 296 students leave (5 %, nothing red). Meanwhile 10 students are added
    to the school; the same file would now mark 26 as left (still under 10 %, but more than the
    head saw): refused, nothing written."""
    preview = preview_on_the_page(
        head_client, students_export(lived_school.uaj, range(280)), django_capture_on_commit_callbacks
    )
    page = head_client.get(reverse("imports:report", args=[preview.pk])).content.decode()
    assert 'id="import-risks"' not in page
    StudentFactory.create_batch(10, school=lived_school)
    before = state(lived_school)

    response = apply_on_the_page(head_client, preview, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=IMPORT_JOB_KIND)
    assert job.state == JobState.FAILED
    assert (
        "ont changé depuis l'aperçu" in job.message and "élèves marqués comme sortis : 26 au lieu de 16" in job.message
    )
    assert state(lived_school) == before
    page = head_client.get(response["Location"]).content.decode()
    assert "demandez un nouvel aperçu" in page

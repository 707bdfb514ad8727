"""Every view that lets data out writes exactly one row of the journal, before the data leaves."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from audit.models import ReadEvent, ReadKind
from audit.tests.conftest import signed_in
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_pair
from jobs.services import job_claim, job_create, job_finish
from notifications.batches import JOB_KIND

# The pair and student screens read the account block in the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])


def csv_lines(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def only_event() -> ReadEvent:
    events = list(ReadEvent.objects.all())
    assert len(events) == 1, events
    return events[0]


def test_the_pair_screen_records_who_saw_how_many_codes_from_where(head_client, head, school, pair_with_codes):
    response = head_client.get(reverse("car:pair", args=[pair_with_codes.pk]), REMOTE_ADDR="192.0.2.14")
    assert response.status_code == 200
    event = only_event()
    assert (event.user, event.username, event.school, event.academy) == (head, "chef", school, school.academy)
    assert (event.kind, event.what, event.object_id, event.rows) == (
        ReadKind.CODES,
        "couple",
        str(pair_with_codes.pk),
        2,
    )
    assert event.ip_address == "192.0.2.14"
    assert event.path == reverse("car:pair", args=[pair_with_codes.pk])


def test_the_student_screen_records_the_students_codes(head_client, school):
    pupil = make_pair(school).student
    response = head_client.get(reverse("cae:student", args=[pupil.pk]))
    assert response.status_code == 200
    event = only_event()
    shown = ActivationCode.objects.filter(kind=CodeKind.CAE, student=pupil).count()
    assert shown >= 1
    assert (event.kind, event.what, event.object_id, event.rows) == (ReadKind.CODES, "élève", str(pupil.pk), shown)


def test_another_schools_pair_is_a_404_and_nothing_is_recorded(other_client, pair_with_codes):
    assert other_client.get(reverse("car:pair", args=[pair_with_codes.pk])).status_code == 404
    assert not ReadEvent.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "args", "query", "what"),
    [
        ("car:export", ["couples"], {"nom": ""}, "car-couples"),
        ("car:export", ["creation"], {"population": "tous", "filtre": "tous"}, "car-creation"),
        ("cae:export", ["eleves"], {"nom": ""}, "cae-eleves"),
    ],
)
def test_a_list_export_records_its_row_count_before_streaming(head_client, school, url_name, args, query, what):
    for name in ("ARNAUD", "BERNARD", "CARON"):
        make_pair(school, last_name=name)
    make_pair(school, last_name="DUBOIS", division="4B", mef="4EME")
    response = head_client.get(reverse(url_name, args=args), query)
    assert response.status_code == 200
    # Recorded before a single line was sent: a download cut half-way is in the journal.
    event = only_event()
    assert (event.kind, event.what, event.school, event.rows) == (ReadKind.EXPORT, what, school, 4)
    assert len(csv_lines(response)) == 1 + event.rows
    assert ReadEvent.objects.count() == 1


def test_the_export_counts_the_rows_of_the_criteria_given(head_client, school):
    make_pair(school, last_name="ARNAUD")
    make_pair(school, last_name="DUBOIS", division="4B", mef="4EME")
    response = head_client.get(reverse("car:export", args=["couples"]), {"nom": "dub"})
    assert len(csv_lines(response)) == 2
    assert only_event().rows == 1


@pytest.mark.parametrize("table", ["eleves", "responsables"])
def test_a_statistics_export_records_its_lines(head_client, school, table):
    make_pair(school, division="3A", mef="3EME")
    make_pair(school, division="4B", mef="4EME")
    response = head_client.get(reverse("stats:export", args=[table]))
    assert response.status_code == 200
    lines = csv_lines(response)
    event = only_event()
    assert (event.kind, event.what, event.school) == (ReadKind.EXPORT, f"statistiques-{table}", school)
    # The school's row, then for each of the two MEFs one division and its sum.
    assert event.rows == len(lines) - 1 == 5


def test_the_academy_statistics_export_is_an_academy_wide_read(academy_staff, school, other_school):
    response = signed_in(academy_staff).get(reverse("stats:academy_export", args=[school.academy.code, "responsables"]))
    assert response.status_code == 200
    lines = csv_lines(response)
    event = only_event()
    assert (event.user, event.school, event.academy) == (academy_staff, None, school.academy)
    assert (event.what, event.rows) == ("statistiques-responsables-academie", len(lines) - 1)
    assert event.rows == 3  # the two schools and the academy's total


def test_a_school_head_asking_for_the_academy_export_gets_404_and_no_row(head_client, school):
    response = head_client.get(reverse("stats:academy_export", args=[school.academy.code, "eleves"]))
    assert response.status_code == 404
    assert not ReadEvent.objects.exists()


@pytest.fixture
def letters_job(school, head, tmp_path, settings):
    settings.NOTIFICATIONS_DIR = tmp_path
    job = job_create(school=school, kind=JOB_KIND, created_by=head, total=1)
    (tmp_path / f"{job.pk}.pdf").write_bytes(b"%PDF-1.7 letters")
    job_claim(job_id=job.pk)
    job_finish(job_id=job.pk, result={"pdf": f"{job.pk}.pdf", "letters": 37, "codes": 41, "skipped_no_address": 0})
    return job


def test_a_letters_download_records_the_batch_and_its_letters(head_client, school, letters_job):
    response = head_client.get(reverse("notifications:letters_pdf", args=[letters_job.pk]))
    assert response.status_code == 200
    event = only_event()
    assert (event.kind, event.what, event.object_id, event.rows) == (
        ReadKind.LETTERS,
        "courriers",
        str(letters_job.pk),
        37,
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.7 letters"


def test_a_purged_letters_file_is_a_404_and_no_row(head_client, letters_job, tmp_path):
    (tmp_path / f"{letters_job.pk}.pdf").unlink()
    assert head_client.get(reverse("notifications:letters_pdf", args=[letters_job.pk])).status_code == 404
    assert not ReadEvent.objects.exists()


def test_the_address_behind_our_proxy_is_the_one_recorded(head_client, pair_with_codes, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    head_client.get(
        reverse("car:pair", args=[pair_with_codes.pk]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    assert only_event().ip_address == "198.51.100.7"


def test_each_visit_of_a_code_screen_is_a_new_row(head_client, pair_with_codes):
    url = reverse("car:pair", args=[pair_with_codes.pk])
    head_client.get(url)
    head_client.get(url)
    assert ReadEvent.objects.filter(kind=ReadKind.CODES).count() == 2


@pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])
def test_a_download_cut_after_its_first_line_is_committed_in_the_journal(head, school):
    """No transaction wraps the test: what the view wrote is committed, whatever the stream does."""
    for name in ("ARNAUD", "BERNARD"):
        make_pair(school, last_name=name)
    client = signed_in(head, school)
    response = client.get(reverse("car:export", args=["couples"]))
    stream = iter(response.streaming_content)
    assert next(stream).decode("utf-8-sig").startswith("Élève;")
    response.close()  # the browser went away
    event = ReadEvent.objects.get()
    assert (event.what, event.rows) == ("car-couples", 2)

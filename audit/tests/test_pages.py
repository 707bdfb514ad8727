"""The journal's pages: the head's (his school only), the academy staff's page and CSV export."""

from __future__ import annotations

import csv
import datetime
import html
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import ReadEvent, ReadKind
from audit.services import audit_read
from audit.tests.conftest import signed_in
from siecle.factories import AcademyFactory, SchoolFactory

# One test opens a pair screen, whose account block reads the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])
PARIS = ZoneInfo("Europe/Paris")
JOURNAL = reverse("audit:school")


def text(response) -> str:
    return html.unescape(response.content.decode())


def read(*, user, school=None, academy=None, kind=ReadKind.EXPORT, what="car-couples", rows=3, at=None):
    event = audit_read(user=user, school=school, academy=academy, kind=kind, what=what, rows=rows)
    if at is not None:
        ReadEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def at(day: str, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=PARIS)


# --- The school head's page --------------------------------------------------------------------


def test_the_head_sees_his_schools_reads_and_not_another_schools(head_client, head, other_head, school, other_school):
    mine = read(user=head, school=school, what="car-couples", rows=412)
    theirs = read(user=other_head, school=other_school, what="cae-eleves", rows=9)
    response = head_client.get(JOURNAL)
    assert response.status_code == 200
    page = text(response)
    assert (
        f'data-testid="read-{mine.pk}"' in page and "Liste des couples (responsable, élève)" in page and "412" in page
    )
    assert f'data-testid="read-{theirs.pk}"' not in page and "Liste des élèves" not in page
    assert "1 lecture," in page


def test_the_head_also_sees_the_academy_staff_reading_his_school(head_client, academy_staff, school, pair_with_codes):
    signed_in(academy_staff, school).get(reverse("car:pair", args=[pair_with_codes.pk]))
    page = text(head_client.get(JOURNAL))
    assert "dsi" in page and "Consultation de codes" in page and f"Codes du couple n° {pair_with_codes.pk}" in page


def test_the_academy_wide_reads_are_not_on_a_schools_page(head_client, academy_staff, school):
    read(user=academy_staff, academy=school.academy, what="statistiques-eleves-academie")
    assert "Synthèse codes élèves de l’académie" not in text(head_client.get(JOURNAL))


def test_the_head_filters_by_kind_and_days(head_client, head, school):
    read(user=head, school=school, what="avant", at=at("2026-10-01"))
    read(user=head, school=school, what="dedans", at=at("2026-10-05", 23))
    read(user=head, school=school, kind=ReadKind.CODES, what="couple", at=at("2026-10-05"))
    read(user=head, school=school, what="apres", at=at("2026-10-06", 0))
    page = text(head_client.get(JOURNAL, {"type": "export", "du": "2026-10-02", "au": "2026-10-05"}))
    assert "dedans" in page
    assert "avant" not in page and "apres" not in page and "Consultation de codes" not in page.split("<tbody>")[1]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"du": "2026-13-45"}, "Saisissez une date valide (jj/mm/aaaa)."),
        ({"du": "2026-10-05", "au": "2026-10-01"}, "La date de début doit précéder la date de fin."),
        ({"au": "1850-01-01"}, "Saisissez une date entre 2000 et 2100."),
        ({"type": "n'importe-quoi"}, "Sélectionnez un choix valide."),
    ],
)
def test_bad_filters_give_a_french_message_and_keep_the_form(head_client, head, school, query, message):
    read(user=head, school=school)
    response = head_client.get(JOURNAL, query)
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'data-testid="no-list"' in page
    for value in query.values():
        assert f'value="{value}"' in page or value == "n'importe-quoi"


def test_the_page_is_paginated(head_client, head, school):
    ReadEvent.objects.bulk_create(
        ReadEvent(
            created_at=at("2026-10-01"),
            user=head,
            username="chef",
            school=school,
            academy=school.academy,
            kind=ReadKind.CODES,
            what="couple",
            object_id=str(i),
            rows=1,
        )
        for i in range(60)
    )
    first = head_client.get(JOURNAL)
    assert len(first.context["page"].object_list) == 50 and "Page 1 sur 2" in text(first)
    second = head_client.get(JOURNAL, {"page": 2})
    assert len(second.context["page"].object_list) == 10


@pytest.mark.parametrize("size", [2, 40])
def test_the_page_takes_a_constant_number_of_queries(head_client, head, school, size, django_assert_max_num_queries):
    for _ in range(size):
        read(user=head, school=school)
    with django_assert_max_num_queries(12):
        response = head_client.get(JOURNAL)
    assert len(response.context["page"].object_list) == size


def test_the_page_is_not_cached_and_needs_sign_in(head_client, client, school):
    assert "no-store" in head_client.get(JOURNAL)["Cache-Control"]
    response = client.get(JOURNAL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_the_page_refuses_post(head_client, school):
    assert head_client.post(JOURNAL).status_code == 405


def test_looking_at_the_journal_writes_nothing_in_it(head_client, school):
    assert "Aucune lecture n’est encore inscrite au journal." in text(head_client.get(JOURNAL))
    assert "Aucune lecture ne correspond à ces critères." in text(head_client.get(JOURNAL, {"type": "letters"}))
    assert not ReadEvent.objects.exists()


def test_the_menu_links_the_journal(head_client, school):
    assert f'href="{JOURNAL}"' in text(head_client.get(reverse("home")))


# --- The academy staff's page and export -------------------------------------------------------


def test_academy_staff_see_every_school_of_their_academy_and_nothing_else(academy_staff, head, school, other_school):
    elsewhere = SchoolFactory(academy=AcademyFactory(code="AUTRE", name="Autre académie"))
    read(user=head, school=school, what="car-couples")
    read(user=head, school=other_school, what="cae-eleves")
    read(user=academy_staff, academy=school.academy, what="statistiques-eleves-academie")
    read(user=head, school=elsewhere, what="ailleurs")
    response = signed_in(academy_staff).get(reverse("audit:academy", args=[school.academy.code]))
    assert response.status_code == 200
    page = text(response)
    assert "Liste des couples (responsable, élève)" in page and "Liste des élèves" in page
    assert "Synthèse codes élèves de l’académie" in page
    assert f"{school.uaj} {school.name}" in page and "(académie)" in page
    assert "ailleurs" not in page
    assert "no-store" in response["Cache-Control"]


def test_the_academy_menu_entry_leads_to_the_staffs_academy(academy_staff, school):
    response = signed_in(academy_staff).get(reverse("audit:academy_choose"))
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:academy", args=[school.academy.code])


def test_staff_of_two_academies_choose_one(academy_staff, school):
    from staff.services import staff_user_create_or_update

    second = AcademyFactory(code="SECONDE", name="Seconde académie")
    staff_user_create_or_update(username="dsi", academy=second, set_password=False)
    page = text(signed_in(academy_staff).get(reverse("audit:academy_choose")))
    assert reverse("audit:academy", args=[school.academy.code]) in page
    assert reverse("audit:academy", args=[second.code]) in page


def test_a_school_head_gets_404_on_every_academy_page(head_client, school):
    code = school.academy.code
    for url in (
        reverse("audit:academy_choose"),
        reverse("audit:academy", args=[code]),
        reverse("audit:academy_export", args=[code]),
    ):
        assert head_client.get(url).status_code == 404, url
    assert not ReadEvent.objects.exists()


def test_staff_of_another_academy_get_404(academy_staff, school):
    elsewhere = AcademyFactory(code="AUTRE", name="Autre académie")
    assert signed_in(academy_staff).get(reverse("audit:academy", args=[elsewhere.code])).status_code == 404


def csv_lines(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_the_academy_export_streams_the_criteria_and_is_itself_recorded(academy_staff, head, school, other_school):
    read(user=head, school=school, what="car-couples", rows=12, at=at("2026-10-05", 9))
    read(user=head, school=other_school, kind=ReadKind.CODES, what="couple", rows=2, at=at("2026-10-05", 10))
    read(
        user=head,
        school=SchoolFactory(academy=AcademyFactory(code="AUTRE", name="Autre académie")),
        what="ailleurs",
        at=at("2026-10-05"),
    )
    staff_client = signed_in(academy_staff, REMOTE_ADDR="192.0.2.80")
    response = staff_client.get(reverse("audit:academy_export", args=[school.academy.code]), {"type": "export"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    recorded = ReadEvent.objects.get(what="journal-academie")
    assert (recorded.user, recorded.school, recorded.academy) == (academy_staff, None, school.academy)
    assert (recorded.kind, recorded.rows, recorded.ip_address) == (ReadKind.EXPORT, 1, "192.0.2.80")
    lines = csv_lines(response)
    assert lines[0][:5] == ["Date et heure", "Identifiant", "UAJ", "Établissement", "Lecture"]
    assert lines[1:] == [
        [
            "05/10/2026 09:00:00",
            "chef",
            school.uaj,
            school.name,
            "Export CSV",
            "Liste des couples (responsable, élève)",
            "12",
            "",
            "",
        ]
    ]


def test_a_bad_criterion_on_the_export_goes_back_to_the_page_with_a_message(academy_staff, school):
    staff_client = signed_in(academy_staff)
    response = staff_client.get(
        reverse("audit:academy_export", args=[school.academy.code]), {"du": "hier"}, follow=True
    )
    assert response.redirect_chain[-1][0].startswith(reverse("audit:academy", args=[school.academy.code]))
    page = text(response)
    assert "Les critères ne sont pas valides" in page and "Saisissez une date valide" in page
    assert not ReadEvent.objects.exists()

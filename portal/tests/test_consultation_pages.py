"""F4 consultation pages of a child: absences, notes, LPC, B2i (the rows as the replication left them)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from portal.models import Absence, B2iItem, Competence, Mark

from .factories import (
    PASSWORD,
    TsDivisionFactory,
    TsSchoolFactory,
    TsStudentFactory,
    account_factory,
    guardian_code,
    next_id,
    student_code,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]

ALL = ["absences", "b2i", "lpc", "notes"]
PAGES = {
    "absences": "/enfant/{}/absences/",
    "notes": "/enfant/{}/notes/",
    "lpc": "/enfant/{}/livret/",
    "b2i": "/enfant/{}/b2i/",
}


def _signed_in(account) -> Client:
    client = Client()
    assert client.post("/connexion/", {"login": account.login, "password": PASSWORD}).status_code == 302
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("&#x27;", "'"))


def _mark(student, **fields) -> Mark:
    values = {
        "id": next_id(),
        "school": student.school,
        "student": student,
        "subject": "MATHEMATIQUES",
        "label": "Contrôle",
        "evaluated_on": dt.date(2025, 11, 3),
        "coefficient": Decimal(1),
        "scale": 20,
        "status": "note",
        "value": Decimal(12),
    }
    values.update(fields)
    return Mark.objects.create(**values)


def _absence(student, date: dt.date, half_day: str = "M") -> Absence:
    return Absence.objects.create(id=next_id(), school=student.school, student=student, date=date, half_day=half_day)


@pytest.fixture
def family():
    """Léa (6B, Collège Jean Moulin, every service open) and her guardian's account; another family's Tom."""
    school = TsSchoolFactory(name="Collège Jean Moulin", services=ALL, address_line2="BP 12")
    lea = TsStudentFactory(
        school=school,
        first_name="Léa",
        last_name="DURAND",
        birth_date=dt.date(2012, 7, 7),
        division=TsDivisionFactory(school=school, code="4F"),
    )
    code, _ = guardian_code(school=school, student=lea)
    account = account_factory(login="anne.durand", codes=[code])
    tom = TsStudentFactory(school=school, first_name="Tom", last_name="VOISIN")
    other_code, _ = guardian_code(school=school, student=tom)
    account_factory(login="autre.famille", codes=[other_code])
    return {"school": school, "lea": lea, "tom": tom, "client": _signed_in(account)}


def test_it_shows_the_absences_as_half_days_per_week_newest_first(family):
    lea, tom = family["lea"], family["tom"]
    # Week of Monday 17/11/2025: Monday morning and afternoon, Thursday morning → 3 half-days.
    _absence(lea, dt.date(2025, 11, 17), "M")
    _absence(lea, dt.date(2025, 11, 17), "A")
    _absence(lea, dt.date(2025, 11, 20), "M")
    # Week of Monday 06/10/2025: one Wednesday morning.
    _absence(lea, dt.date(2025, 10, 8), "M")
    _absence(tom, dt.date(2025, 11, 18), "M")  # another child's: never on Léa's page
    response = family["client"].get(f"/enfant/{lea.pk}/absences/?annee=2025")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = _text(response)
    assert "La scolarité de <strong>Léa DURAND</strong>, né(e) le <strong>07/07/2012</strong>" in page
    rows = re.findall(
        r'data-testid="absence-week"> <th scope="row">du lundi (\S+) <details.*?</th> <td class="ts-count">(\d+)</td>',
        page,
    )
    assert rows == [("17/11/2025", "3"), ("06/10/2025", "1")]
    assert "lundi 17/11 : matin et après-midi" in page and "jeudi 20/11 : matin" in page
    assert "18/11" not in page


def test_the_absences_are_shown_one_school_year_at_a_time(family):
    lea = family["lea"]
    _absence(lea, dt.date(2024, 9, 2))  # school year 2024-2025
    _absence(lea, dt.date(2025, 8, 31))  # still 2024-2025 (a Sunday: its week starts on 25/08)
    _absence(lea, dt.date(2025, 9, 1))  # 2025-2026
    client = family["client"]
    page = _text(client.get(f"/enfant/{lea.pk}/absences/?annee=2024"))
    assert re.findall(r"du lundi (\S+) <details", page) == ["25/08/2025", "02/09/2024"]
    assert 'href="?annee=2025"' in page and "année scolaire 2024-2025" in page
    page = _text(client.get(f"/enfant/{lea.pk}/absences/?annee=2025"))
    assert re.findall(r"du lundi (\S+) <details", page) == ["01/09/2025"]
    # A year without rows, or garbage, falls back on the current school year without an error.
    for asked in ("1990", "abc", "2025-2026", "-1"):
        response = client.get(f"/enfant/{lea.pk}/absences/", {"annee": asked})
        assert response.status_code == 200


def test_it_says_so_when_no_absence_is_published(family):
    page = _text(family["client"].get(f"/enfant/{family['lea'].pk}/absences/"))
    assert "Aucune absence n'est enregistrée pour l'année scolaire" in page


def test_it_shows_the_marks_by_subject_newest_first_with_statuses_in_words(family):
    lea, tom = family["lea"], family["tom"]
    _mark(lea, subject="MATHEMATIQUES", label="Fractions", evaluated_on=dt.date(2025, 10, 1), value=Decimal("15.5"))
    _mark(lea, subject="MATHEMATIQUES", label="Géométrie", evaluated_on=dt.date(2025, 11, 5), value=Decimal(8))
    _mark(lea, subject="MATHEMATIQUES", label="Devoir maison", evaluated_on=dt.date(2025, 10, 15), scale=10, value=9)
    _mark(lea, subject="ANGLAIS", label="Oral", evaluated_on=dt.date(2025, 10, 2), status="abs", value=None)
    _mark(lea, subject="ANGLAIS", label="Vocabulaire", evaluated_on=dt.date(2025, 10, 9), status="disp", value=None)
    _mark(lea, subject="ANGLAIS", label="Dictée", evaluated_on=dt.date(2025, 10, 16), status="nn", value=None)
    _mark(
        lea,
        subject="ANGLAIS",
        label="Compréhension",
        evaluated_on=dt.date(2025, 10, 20),
        coefficient=Decimal("2.5"),
        value=Decimal("13.25"),
    )
    _mark(tom, subject="MATHEMATIQUES", label="Copie de Tom", value=Decimal(20))
    page = _text(family["client"].get(f"/enfant/{lea.pk}/notes/?annee=2025"))
    assert re.findall(r'<h2 class="h5" id="subject-\d+">(.+?)</h2>', page) == ["ANGLAIS", "MATHEMATIQUES"]
    marks = re.findall(
        r'data-label="Date">(\S+)</td> <td data-label="Contrôle">(.+?)</td> <td data-label="Note" class="\S+">(.+?)</td>'
        r' <td data-label="Coefficient">(\S+)</td>',
        page,
    )
    assert marks == [
        ("20/10/2025", "Compréhension", "13,25/20", "2,5"),
        ("16/10/2025", "Dictée", "Non noté", "1"),
        ("09/10/2025", "Vocabulaire", "Dispensé", "1"),
        ("02/10/2025", "Oral", "Absent", "1"),
        ("05/11/2025", "Géométrie", "8/20", "1"),
        ("15/10/2025", "Devoir maison", "9/10", "1"),
        ("01/10/2025", "Fractions", "15,5/20", "1"),
    ]
    assert "Copie de Tom" not in page
    # Indicative averages: out of 20, weighted, statuses left out. Maths: (15.5 + 8 + 18) / 3 = 13.83.
    assert re.findall(r"Moyenne indicative : <strong>(\S+)</strong>", page) == ["13,25/20", "13,83/20"]


def test_a_subject_without_any_counted_mark_has_no_average(family):
    lea = family["lea"]
    _mark(lea, subject="EPS", status="disp", value=None)
    _mark(lea, subject="MUSIQUE", coefficient=Decimal(0), value=Decimal(4))
    page = _text(family["client"].get(f"/enfant/{lea.pk}/notes/?annee=2025"))
    assert "EPS" in page and "MUSIQUE" in page and "4/20" in page
    assert "Moyenne indicative" not in page


def test_the_notes_page_costs_the_same_queries_for_many_marks(family, django_assert_max_num_queries):
    lea = family["lea"]
    client = family["client"]
    Mark.objects.bulk_create(
        Mark(
            id=next_id(),
            school=family["school"],
            student=lea,
            subject=f"MATIERE {n % 12}",
            label=f"Contrôle {n}",
            evaluated_on=dt.date(2025, 9, 1) + dt.timedelta(days=n % 300),
            coefficient=Decimal(1),
            scale=20,
            status="note",
            value=Decimal(n % 21),
        )
        for n in range(600)
    )
    with django_assert_max_num_queries(8):
        response = client.get(f"/enfant/{lea.pk}/notes/?annee=2025")
    assert response.status_code == 200
    assert _text(response).count('data-testid="mark"') == 600


def test_it_lists_the_seven_competences_validated_or_not(family):
    lea, tom = family["lea"], family["tom"]
    Competence.objects.create(
        id=next_id(), school=family["school"], student=lea, competence=3, validated_on=dt.date(2026, 3, 12)
    )
    Competence.objects.create(
        id=next_id(), school=family["school"], student=tom, competence=1, validated_on=dt.date(2026, 1, 5)
    )
    page = _text(family["client"].get(f"/enfant/{lea.pk}/livret/"))
    lines = re.findall(r'<span class="ts-lpc-label">(.+?)</span> <span class="[^"]+">(.+?)</span>', page)
    assert [label.split(" - ")[0] for label, _ in lines] == [f"Compétence {n}" for n in range(1, 8)]
    assert lines[0] == ("Compétence 1 - La maîtrise de la langue française", "non validée à ce jour")
    assert lines[2][1] == "validée le 12/03/2026"
    assert [state for _, state in lines].count("non validée à ce jour") == 6
    assert "Collège Jean Moulin" in page and "1 rue des Écoles<br>BP 12<br>78000 VERSAILLES" in page
    assert "élève de <strong>4F</strong>" in page
    assert f'href="/enfant/{lea.pk}/livret/pdf/"' in page and "Éditer le livret au format PDF" in page


def test_it_lists_the_b2i_items_validated_by_domain(family):
    lea = family["lea"]
    for item, day in (("1.2", dt.date(2025, 12, 1)), ("1.1", dt.date(2025, 11, 3)), ("4.3", dt.date(2026, 1, 8))):
        B2iItem.objects.create(
            id=next_id(), school=family["school"], student=lea, item=item, domain=int(item[0]), validated_on=day
        )
    B2iItem.objects.create(
        id=next_id(), school=family["school"], student=family["tom"], item="2.1", domain=2, validated_on=dt.date.today()
    )
    page = _text(family["client"].get(f"/enfant/{lea.pk}/b2i/"))
    titles = re.findall(r'<h2 class="h6" id="domain-\d">(.+?)</h2>', page)
    assert titles[0] == "Domaine 1 - S'approprier un environnement informatique de travail" and len(titles) == 5
    items = re.findall(r'<span class="ts-b2i-code">(\S+)</span> .+?>validé le (\S+?)</span>', page)
    assert items == [("1.1", "03/11/2025"), ("1.2", "01/12/2025"), ("4.3", "08/01/2026")]
    assert "2 items validés sur 6" in page
    assert page.count("Aucun item de ce domaine n'est validé à ce jour.") == 3  # domains 2, 3 and 5


@pytest.mark.parametrize("service", sorted(PAGES))
def test_another_familys_child_and_an_unknown_child_are_both_not_found(family, service):
    client = family["client"]
    for student_id in (family["tom"].pk, 987_654_321, 10**25):
        assert client.get(PAGES[service].format(student_id)).status_code == 404
    assert client.get(f"/enfant/{family['tom'].pk}/livret/pdf/").status_code == 404


@pytest.mark.parametrize("service", sorted(PAGES))
def test_a_closed_service_is_not_found_and_not_linked_from_the_home_page(family, service):
    school, lea, client = family["school"], family["lea"], family["client"]
    url = PAGES[service].format(lea.pk)
    assert client.get(url).status_code == 200
    assert f'href="{url}"' in _text(client.get("/"))
    school.services = [s for s in ALL if s != service]
    school.save()
    assert client.get(url).status_code == 404
    home = _text(client.get("/"))
    assert f'href="{url}"' not in home
    assert "bientôt disponible" not in home
    if service == "lpc":
        assert client.get(f"/enfant/{lea.pk}/livret/pdf/").status_code == 404


def test_a_signed_out_visitor_is_sent_to_the_sign_in_page(family):
    response = Client().get(f"/enfant/{family['lea'].pk}/notes/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/?suivant=")


def test_a_revoked_code_closes_the_childs_pages():
    school = TsSchoolFactory(services=ALL)
    code, _ = guardian_code(school=school)
    client = _signed_in(account_factory(codes=[code]))
    assert client.get(f"/enfant/{code.student_id}/notes/").status_code == 200
    code.delete()  # the revocation deletes the code's row at once
    assert client.get(f"/enfant/{code.student_id}/notes/").status_code == 404


def test_a_student_whose_access_was_refused_sees_none_of_his_pages():
    school = TsSchoolFactory(services=ALL)
    student = TsStudentFactory(school=school)
    code, _ = student_code(student=student)
    client = _signed_in(account_factory(codes=[code], kind="E"))
    assert client.get(f"/enfant/{student.pk}/notes/").status_code == 200
    student.access_refused = True
    student.save()
    for service in PAGES:
        assert client.get(PAGES[service].format(student.pk)).status_code == 404


def test_a_guardian_attached_in_two_schools_sees_each_schools_services():
    college = TsSchoolFactory(name="Collège A", services=["absences", "notes"])
    lycee = TsSchoolFactory(name="Lycée B", services=["b2i", "lpc"])
    lea = TsStudentFactory(school=college, first_name="Léa")
    tom = TsStudentFactory(school=lycee, first_name="Tom")
    c1, _ = guardian_code(school=college, student=lea)
    c2, _ = guardian_code(school=lycee, student=tom)
    client = _signed_in(account_factory(codes=[c1, c2]))
    home = _text(client.get("/"))
    for student, open_ in ((lea, ("absences", "notes")), (tom, ("b2i", "lpc"))):
        for service, url in PAGES.items():
            expected = 200 if service in open_ else 404
            assert client.get(url.format(student.pk)).status_code == expected, (student.first_name, service)
            assert (f'href="{url.format(student.pk)}"' in home) is (service in open_)


def test_the_pages_escape_what_the_replication_copied(family):
    lea = family["lea"]
    _mark(lea, subject="<b>MATHS</b>", label='<img src=x onerror="alert(1)">')
    page = family["client"].get(f"/enfant/{lea.pk}/notes/?annee=2025").content.decode()
    assert "<b>MATHS</b>" not in page and "<img src=x" not in page
    assert "&lt;b&gt;MATHS&lt;/b&gt;" in page


def test_the_pages_hold_no_inline_style_nor_script(family):
    lea = family["lea"]
    _mark(lea)
    _absence(lea, dt.date(2025, 11, 17))
    for url in PAGES.values():
        page = family["client"].get(url.format(lea.pk) + "?annee=2025").content.decode()
        assert " style=" not in page and "<script" not in page, url

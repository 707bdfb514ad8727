"""From the SIECLE base to a family's page: what the replication publishes is what the parent reads.

SIECLE rows made with consultation's factories, a real replication run (replication_run on both
PostgreSQL databases), then the portal's pages as the guardian's account sees them.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client

from codes.models import ActivationCode
from consultation.factories import (
    AbsenceFactory,
    B2iValidationFactory,
    CompetenceValidationFactory,
    EvaluationFactory,
    MarkFactory,
)
from consultation.models import AbsenceState, HalfDay, MarkStatus
from replication.tests.conftest import academy, replicate  # noqa: F401 — the replication's small academy
from services.services import service_close, service_open
from siecle.models import School

from .factories import PASSWORD, account_factory

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "teleservices"]),
    pytest.mark.urls("tsadmin.urls_portal"),
]

D = datetime.date(2026, 11, 20)
DAY = datetime.timedelta(days=1)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode().replace("&#x27;", "'"))


@pytest.fixture
def parent(academy, head):  # noqa: F811 — the fixture imported above
    school = academy.school
    School.objects.filter(pk=school.pk).update(b2i_experimenter=True)
    school.refresh_from_db()
    for service in ("absences", "lpc", "b2i"):
        service_open(school=school, service=service, by=head)
    code = ActivationCode.objects.get(link=academy.legal1, is_valid=True)
    replicate(today=D - 10 * DAY, full=True)  # the code goes down (J+1): the parent creates his account
    from portal.models import Code

    ts_code = Code.objects.get(pk=code.pk)
    account_factory(login="parent.martin", codes=[ts_code])
    client = Client()
    assert client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD}).status_code == 302
    return client


def test_the_parent_reads_what_the_publication_rules_let_through(academy, parent, head):  # noqa: F811
    pupil = academy.current
    published = EvaluationFactory(
        division=pupil.division, label="Théorème de Pythagore", evaluated_on=D - 6 * DAY, publish_on=D - 2 * DAY
    )
    MarkFactory(evaluation=published, student=pupil, value=Decimal("16.50"))
    waiting = EvaluationFactory(division=pupil.division, label="Pas encore publié", publish_on=D + 3 * DAY)
    MarkFactory(evaluation=waiting, student=pupil)
    absent = EvaluationFactory(division=pupil.division, subject="ANGLAIS", label="Oral", publish_on=D - 2 * DAY)
    MarkFactory(evaluation=absent, student=pupil, status=MarkStatus.ABSENT, value=None)
    AbsenceFactory(student=pupil, date=D - 4 * DAY, half_day=HalfDay.MORNING, state=AbsenceState.NOTED)
    AbsenceFactory(student=pupil, date=D - 4 * DAY, half_day=HalfDay.AFTERNOON, state=AbsenceState.CLASSIFIED)
    AbsenceFactory(student=pupil, date=D - 3 * DAY, half_day=HalfDay.MORNING, state=AbsenceState.REPORTED)
    CompetenceValidationFactory(student=pupil, competence=5, entered_on=D - 20 * DAY, validated_on=D - 20 * DAY)
    CompetenceValidationFactory(student=pupil, competence=6, entered_on=D - 3 * DAY, validated_on=D - 3 * DAY)
    B2iValidationFactory(student=pupil, item="3.4", validated_on=D - 9 * DAY)

    replicate(today=D)

    notes = _text(parent.get(f"/enfant/{pupil.pk}/notes/?annee=2026"))
    assert "Théorème de Pythagore" in notes and "16,5/20" in notes
    assert "Oral" in notes and "Absent" in notes
    assert "Pas encore publié" not in notes
    absences = _text(parent.get(f"/enfant/{pupil.pk}/absences/?annee=2026"))
    # 16/11/2026 (Monday): the morning and afternoon of the 16th; the 17th's reported one is not published.
    assert re.findall(r'du lundi (\S+) <details.*?<td class="ts-count">(\d+)</td>', absences) == [("16/11/2026", "2")]
    lpc = _text(parent.get(f"/enfant/{pupil.pk}/livret/"))
    assert (
        'Compétence 5 - La culture humaniste</span> <span class="ts-lpc-state ts-lpc-done">validée le 31/10/2026' in lpc
    )
    assert lpc.count("non validée à ce jour") == 6  # competence 6 waits for the school's delay
    b2i = _text(parent.get(f"/enfant/{pupil.pk}/b2i/"))
    assert "3.4" in b2i and "validé le 11/11/2026" in b2i

    # The school closes the notes: after the next run the page and its link are gone.
    service_close(school=academy.school, service="notes", by=head)
    replicate(today=D + DAY)
    assert parent.get(f"/enfant/{pupil.pk}/notes/").status_code == 404
    assert f'href="/enfant/{pupil.pk}/notes/"' not in _text(parent.get("/"))
    assert f'href="/enfant/{pupil.pk}/absences/"' in _text(parent.get("/"))


def test_another_pupil_of_the_same_school_is_not_found(academy, parent):  # noqa: F811
    other = academy.legal2.student  # same child, other guardian: still Léa's pages for this account
    assert parent.get(f"/enfant/{other.pk}/absences/").status_code == 200
    assert parent.get(f"/enfant/{academy.left.pk}/absences/").status_code == 404  # left: not copied down
    from siecle.models import Student

    elsewhere = Student.objects.get(school=academy.other)
    assert parent.get(f"/enfant/{elsewhere.pk}/notes/").status_code == 404

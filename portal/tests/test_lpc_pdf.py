"""The LPC booklet downloaded as a PDF (SPEC F4, manual §5.3.5): its text, its name, its safety."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from portal.catalogue import LPC_COMPETENCES
from portal.models import Competence
from tests.listener import Listener

from .factories import (
    PASSWORD,
    TsDivisionFactory,
    TsSchoolFactory,
    TsStudentFactory,
    account_factory,
    guardian_code,
    next_id,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]


def _signed_in(account) -> Client:
    client = Client()
    assert client.post("/connexion/", {"login": account.login, "password": PASSWORD}).status_code == 302
    return client


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


def _child(school, **fields):
    student = TsStudentFactory(
        school=school,
        birth_date=dt.date(2012, 7, 7),
        division=TsDivisionFactory(school=school, code="4F"),
        **fields,
    )
    code, _ = guardian_code(school=school, student=student)
    return student, _signed_in(account_factory(codes=[code]))


def test_the_pdf_holds_the_child_the_school_and_the_seven_competences():
    school = TsSchoolFactory(name="Collège Langevin Wallon", services=["lpc"], city="BLAINVILLE-SUR-L'EAU")
    student, client = _child(school, first_name="Charlène", last_name="DUPONT-MARTIN")
    Competence.objects.create(
        id=next_id(), school=school, student=student, competence=2, validated_on=dt.date(2026, 3, 12)
    )

    response = client.get(f"/enfant/{student.pk}/livret/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="lpc_dupont_martin_charlene_palier_3.pdf"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "La scolarité de Charlène DUPONT-MARTIN" in text
    assert "07/07/2012" in text and "élève de 4F" in text
    assert "Collège Langevin Wallon" in text and "BLAINVILLE-SUR-L'EAU" in text
    for number, label in LPC_COMPETENCES.items():
        assert f"Compétence {number} - {label}" in text
    assert "validée le 12/03/2026" in text
    assert text.count("non validée à ce jour") == 6


def test_hostile_names_are_printed_as_text_and_fetch_nothing():
    listener = Listener()
    try:
        base = f"http://127.0.0.1:{listener.port}"
        school = TsSchoolFactory(
            name=f'<img src="{base}/school.png"><link rel="stylesheet" href="{base}/s.css">',
            address_line1=f"<style>@import url({base}/i.css);</style>",
            services=["lpc"],
        )
        student, client = _child(school, last_name=f'<img src="{base}/name.png">', first_name="Zoé")
        response = client.get(f"/enfant/{student.pk}/livret/pdf/")
        assert response.status_code == 200
        assert listener.connections == 0
        text = pdf_text(response.content).replace(" ", "")
        assert f'<imgsrc="{base}/school.png">'.replace(" ", "") in text
        assert f"@importurl({base}/i.css);" in text
    finally:
        listener.close()
    # The file's name keeps only plain letters, digits and underscores, whatever the name held.
    assert re.fullmatch(r'attachment; filename="lpc_[a-z0-9_]+_zoe_palier_3\.pdf"', response["Content-Disposition"])

"""What a family reads in the PDF: the text extracted from the rendered letters."""

from __future__ import annotations

import re

import pytest
from django.utils import formats

from codes.models import ActivationCode, CodeKind
from notifications.content import guardian_letters, student_letters
from notifications.letters import letters_pdf
from services.models import LetterType
from services.services import letter_settings_update, letter_signatory_update, service_open, teleservices_activate
from siecle.factories import EntFactory

from .helpers import guardian_with_children, pdf_text

TS_URL = "https://teleservices.test.example/"
ENT_URL = "https://e-lyco.test.example/"


def read(letters, tmp_path) -> str:
    output = tmp_path / "letters.pdf"
    pages = letters_pdf(letters=letters, output=output)
    assert pages >= len(letters)
    return re.sub(r"\s+", " ", pdf_text(output.read_bytes()))


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


def test_the_guardian_letter_holds_header_children_codes_date_services_privacy_and_slips(opened, tmp_path):
    person, links = guardian_with_children(opened, last_name="DUPONT", children=2, division="4C", first_name="Marie")
    [letter] = guardian_letters(school=opened, link_ids=[link.pk for link in links])
    text = read([letter], tmp_path)

    assert "ACADÉMIE DE TEST" in text and "Collège Jean Moulin" in text and "01 39 00 00 00" in text
    assert "Madame Marie DUPONT" in text and "32 rue Camille Pelletan" in text and "78800 HOUILLES" in text
    assert "Objet" in text
    for child in letter.children:
        assert f"DUPONT {child.first_name}" in text
        assert child.code in text
    assert text.count("4C") >= 2
    assert formats.date_format(letter.access.usable_from, "j F Y") in text
    assert TS_URL in text and ENT_URL not in text
    assert "Consultation des notes" in text
    assert "droit d’accès et de rectification" in text
    assert "Le chef d’établissement" in text
    assert "Refus de l’accès du responsable aux services en ligne" in text
    assert "Refus de l’accès de l’élève aux services en ligne" in text
    assert "Rattacher un enfant" in text


@pytest.mark.parametrize("letter_type", [LetterType.MIXED, LetterType.ENT_ONLY])
def test_ent_letters_print_only_the_ent_address_with_its_name(opened, head, tmp_path, letter_type):
    ent = EntFactory(academy=opened.academy, description="e-lyco", url=ENT_URL)
    letter_settings_update(school=opened, letter_type=letter_type, ent=ent, by=head)
    _, links = guardian_with_children(opened, last_name="MARTIN")
    text = read(guardian_letters(school=opened, link_ids=[links[0].pk]), tmp_path)
    assert ENT_URL in text and "e-lyco" in text
    assert TS_URL not in text


def test_a_letter_says_when_no_service_is_open(school, tmp_path):
    _, links = guardian_with_children(school, last_name="MARTIN")
    text = read(guardian_letters(school=school, link_ids=[links[0].pk]), tmp_path)
    assert "n’a encore ouvert aucun service en ligne" in text
    assert "Consultation des notes" not in text


def test_the_continuity_letter_says_the_existing_account_keeps_working(opened, tmp_path):
    _, links = guardian_with_children(opened, last_name="LEROY")
    ActivationCode.objects.filter(link=links[0]).update(continuity_at="2026-09-03")
    text = read(guardian_letters(school=opened, link_ids=[links[0].pk]), tmp_path)
    assert "Ce compte reste le vôtre" in text
    assert "rattaché automatiquement à votre compte" in text


def test_the_student_letter_gives_the_student_his_code(opened, tmp_path):
    _, links = guardian_with_children(opened, last_name="PETIT", division="6D")
    student = links[0].student
    code = ActivationCode.objects.get(student=student, kind=CodeKind.CAE, is_valid=True)
    [letter] = student_letters(school=opened, student_ids=[student.pk])
    text = read([letter], tmp_path)
    assert f"{student.first_name} PETIT" in text
    assert "6D" in text
    assert letter.child.code in text and code.value[:4] in text
    assert TS_URL in text
    assert "Refus" not in text


def test_the_letters_print_the_signatory_under_the_title_and_only_for_his_school(opened, other_school, head, tmp_path):
    letter_signatory_update(school=opened, name="Mme Claire Martin", by=head)
    _, links = guardian_with_children(opened, last_name="FAURE")
    _, others = guardian_with_children(other_school, last_name="BLANC")
    letters = [
        *guardian_letters(school=opened, link_ids=[links[0].pk]),
        *student_letters(school=opened, student_ids=[links[0].student_id]),
    ]
    text = read(letters, tmp_path)
    # Each letter names him twice: in the sender block and at the signature.
    assert text.count("Le chef d’établissement Mme Claire Martin") == 2
    assert text.count("Mme Claire Martin") == 4
    other = read(guardian_letters(school=other_school, link_ids=[others[0].pk]), tmp_path)
    assert "Le chef d’établissement" in other and "Claire Martin" not in other


def test_several_letters_go_into_one_document_each_on_its_own_page(opened, tmp_path):
    ids = []
    for name in ("AAA", "BBB", "CCC"):
        ids += [link.pk for link in guardian_with_children(opened, last_name=name)[1]]
    letters = guardian_letters(school=opened, link_ids=ids)
    output = tmp_path / "three.pdf"
    pages = letters_pdf(letters=letters, output=output)
    assert pages == 6  # each letter: its page, then the page of the two slips


def test_the_student_continuity_letter_keeps_his_account(opened, tmp_path):
    _, links = guardian_with_children(opened, last_name="ROUX")
    student = links[0].student
    ActivationCode.objects.filter(student=student, kind=CodeKind.CAE).update(continuity_at="2026-09-03")
    [letter] = student_letters(school=opened, student_ids=[student.pk])
    assert letter.continuity is True
    text = read([letter], tmp_path)
    assert "reste valable" in text

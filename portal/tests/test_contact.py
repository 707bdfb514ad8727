"""F5 "Contacter l'établissement": the school's contact address, sent from the service, Reply-To the family."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from notifications.tests.conftest import smtp_sink  # noqa: F401 — the real SMTP server fixture
from portal.models import Account

from .factories import (
    PASSWORD,
    TsGuardianFactory,
    TsLinkFactory,
    TsSchoolFactory,
    TsStudentFactory,
    account_factory,
    guardian_code,
    student_code,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]

SCHOOL_MAILBOX = "vie-scolaire.0780123a@ac-test.example"
SERVICE_FROM = "Scolarité services <ne-pas-repondre@teleservices.example>"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def contact(settings):
    settings.DEFAULT_FROM_EMAIL = SERVICE_FROM
    school = TsSchoolFactory(name="Collège Jean Moulin", contact_active=True, contact_email=SCHOOL_MAILBOX)
    student = TsStudentFactory(school=school, first_name="Léa", last_name="MARTIN")
    guardian = TsGuardianFactory(school=school, civility="MME", last_name="MARTIN", first_name="Claire")
    link = TsLinkFactory(school=school, student=student, guardian=guardian)
    code, _ = guardian_code(school=school, student=student)
    code.link = link
    code.save()
    account = account_factory(login="parent.martin", email="claire@familles.example", codes=[code])
    client = Client()
    assert client.post("/connexion/", {"login": "parent.martin", "password": PASSWORD}).status_code == 302
    return client, school, account, code


def _post(client, school, code, **fields):
    data = {"child": code.id, "subject": "Absence de Léa", "message": "Léa sera absente lundi.\nCordialement."}
    data.update(fields)
    return client.post(f"/compte/contacter/{school.id}/", data)


def test_the_school_gets_the_message_from_the_service_with_the_family_as_reply_to(contact, smtp_sink):  # noqa: F811
    client, school, _account, code = contact
    assert "Écrire à Collège Jean Moulin" in text(client.get("/compte/"))
    response = _post(client, school, code)
    assert response.status_code == 302 and response["Location"] == "/compte/"
    (to_school,) = smtp_sink.to(SCHOOL_MAILBOX)
    message = to_school.message
    assert message["From"] == SERVICE_FROM and "familles" not in to_school.mail_from
    assert message["Reply-To"] == "claire@familles.example"
    assert "Absence de Léa" in message["Subject"]
    body = message.get_content()
    assert "MME MARTIN Claire" in body and "Léa MARTIN" in body and "Léa sera absente lundi." in body
    (copy,) = smtp_sink.to("claire@familles.example")
    assert SCHOOL_MAILBOX not in copy.data.decode(errors="replace") and SCHOOL_MAILBOX not in copy.message.get_content()
    assert "Léa sera absente lundi." in copy.message.get_content()
    assert copy.rcpt_tos == ["claire@familles.example"]
    assert "Votre message a été envoyé à Collège Jean Moulin" in text(client.get("/compte/"))


def test_a_line_break_in_the_subject_cannot_add_a_header(contact, smtp_sink):  # noqa: F811
    client, school, _account, code = contact
    response = _post(client, school, code, subject="Bonjour\r\nBcc: espion@pirate.example\nX-Evil: 1")
    assert response.status_code == 302
    assert smtp_sink.count() == 2
    assert all("espion@pirate.example" not in m.rcpt_tos for m in smtp_sink.messages)
    message = smtp_sink.to(SCHOOL_MAILBOX)[0].message
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "Bonjour Bcc: espion@pirate.example X-Evil: 1" in message["Subject"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"subject": "x" * 151}, "150 caractères"),
        ({"message": "y" * 5001}, "5000 caractères"),
        ({"subject": " \r\n "}, "Ce champ est obligatoire"),
        ({"message": ""}, "Ce champ est obligatoire"),
        ({"child": "999999"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_is_refused_with_the_form_kept(contact, smtp_sink, fields, error):  # noqa: F811
    client, school, _account, code = contact
    response = _post(client, school, code, **fields)
    assert response.status_code == 200 and error in text(response)
    assert "Léa sera absente lundi." in text(response) or "message" in fields
    assert smtp_sink.count() == 0


def test_five_messages_a_day_then_the_form_is_suspended(contact, smtp_sink):  # noqa: F811
    client, school, _account, code = contact
    for _ in range(5):
        assert _post(client, school, code).status_code == 302
    refused = _post(client, school, code)
    assert refused.status_code == 429 and "suspendu jusqu'à demain" in text(refused)
    assert len(smtp_sink.to(SCHOOL_MAILBOX)) == 5


def test_an_inactive_contact_link_shows_no_form(contact, smtp_sink):  # noqa: F811
    client, school, _account, code = contact
    school.contact_active = False
    school.save()
    assert "Écrire à" not in text(client.get("/compte/"))
    assert client.get(f"/compte/contacter/{school.id}/").status_code == 404
    assert _post(client, school, code).status_code == 404
    assert smtp_sink.count() == 0


def test_a_school_of_none_of_the_children_is_404(contact, smtp_sink):  # noqa: F811
    client, _school, _account, code = contact
    stranger = TsSchoolFactory(contact_active=True, contact_email="autre@ac-test.example")
    assert client.get(f"/compte/contacter/{stranger.id}/").status_code == 404
    assert _post(client, stranger, code).status_code == 404
    assert smtp_sink.count() == 0


def test_the_contact_form_needs_a_signed_in_family_and_csrf(contact, smtp_sink):  # noqa: F811
    _client, school, _account, code = contact
    anonymous = Client()
    assert anonymous.post(f"/compte/contacter/{school.id}/", {"child": code.id})["Location"].startswith("/connexion/")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = _client.cookies
    assert (
        strict.post(f"/compte/contacter/{school.id}/", {"child": code.id, "subject": "a", "message": "b"}).status_code
        == 403
    )
    assert smtp_sink.count() == 0


def test_a_refused_school_address_says_so_and_keeps_the_form(contact, smtp_sink):  # noqa: F811
    client, school, _account, code = contact
    smtp_sink.answers[SCHOOL_MAILBOX] = "451 4.3.0 Try later"
    response = _post(client, school, code)
    assert response.status_code == 200 and "n'a pas pu être envoyé" in text(response)
    assert "Léa sera absente lundi." in text(response)


def test_a_student_account_writes_as_the_student(settings, smtp_sink):  # noqa: F811
    school = TsSchoolFactory(contact_active=True, contact_email=SCHOOL_MAILBOX)
    code, _ = student_code(school=school, student=TsStudentFactory(school=school, first_name="Tom", last_name="DURAND"))
    account_factory(login="eleve.durand", kind=Account.Kind.STUDENT, email="tom@eleves.example", codes=[code])
    client = Client()
    client.post("/connexion/", {"login": "eleve.durand", "password": PASSWORD})
    assert _post(client, school, code, subject="Question").status_code == 302
    body = smtp_sink.to(SCHOOL_MAILBOX)[0].message.get_content()
    assert "De : Tom DURAND" in body and "Élève : Tom DURAND" in body

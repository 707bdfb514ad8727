"""C6 and D3: the account block of the pair and student screens, and "Réinitialiser le mot de passe".

The accounts live in the téléservices database (written here as the portal would); the admin
reads them through portal.selectors and resets through portal.services_account. The guardian's
link is read from a real local SMTP server (aiosmtpd) and followed on the portal.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from codes.models import ActivationCode, CodeEvent, CodeKind, EventKind
from codes.tests.factories import make_car, make_pair, page_text
from notifications.tests.conftest import smtp_sink  # noqa: F401 — the real SMTP server fixture
from portal.auth import password_hash, password_matches
from portal.models import Account, Attachment, CodeAttempt, FamilySession
from siecle.factories import StudentFactory

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

OLD_PASSWORD = "Un-ancien-mot-de-passe-42"
NEW_PASSWORD = "Une-nouvelle-phrase-solide-7"


def attach(code, *, login="parent.durand", kind=Account.Kind.GUARDIAN, state=Account.State.VALIDATED, **fields):
    """An account made with `code` on the portal (as F1 writes it)."""
    attached_at = fields.pop("attached_at", None) or timezone.now()
    account = Account.objects.create(
        login=login,
        email=fields.pop("email", f"{login}@familles.example"),
        password=password_hash(OLD_PASSWORD),
        kind=kind,
        state=state,
        validated_at=timezone.now() if state == Account.State.VALIDATED else None,
        **fields,
    )
    Attachment.objects.create(
        account=account,
        code_id=code.pk,
        student_id=code.student_id,
        school_id=code.school_id,
        attached_at=attached_at,
    )
    return account


def pair_url(link):
    return reverse("car:pair", args=[link.pk])


def reset_url(link):
    return reverse("car:pair_account_reset", args=[link.pk])


def student_reset_url(student):
    return reverse("cae:student_account_reset", args=[student.pk])


def valid_cae(student):
    return ActivationCode.objects.get(kind=CodeKind.CAE, student=student, is_valid=True)


# --- The block ------------------------------------------------------------------------------


def test_the_pair_screen_shows_the_account_login_email_state_and_dates(head_client, school):
    link = make_pair(school)
    attach(make_car(link), login="parent.durand", email="durand@familles.example")
    body = page_text(head_client.get(pair_url(link)))
    assert "Compte Scolarité services" in body
    assert "parent.durand" in body and "durand@familles.example" in body
    assert "Validé" in body and timezone.localdate().strftime("%d/%m/%Y") in body
    assert "Réinitialiser le mot de passe" in body


def test_a_pair_without_account_says_so(head_client, school):
    link = make_pair(school)
    make_car(link)
    body = page_text(head_client.get(pair_url(link)))
    assert "Aucun compte n'a été créé avec les codes de ce couple" in body
    assert "Réinitialiser le mot de passe" not in body


def test_a_provisional_account_has_no_reset_button(head_client, school, smtp_sink):  # noqa: F811
    link = make_pair(school)
    attach(make_car(link), state=Account.State.PROVISIONAL)
    body = page_text(head_client.get(pair_url(link)))
    assert "Provisoire" in body and "Réinitialiser le mot de passe" not in body
    # Even a forged POST is refused, nothing sent.
    response = head_client.post(reset_url(link), follow=True)
    assert "encore provisoire" in page_text(response)
    assert smtp_sink.count() == 0
    assert not CodeEvent.objects.filter(event=EventKind.PASSWORD_RESET).exists()


def test_a_replaced_code_still_shows_the_last_account_of_the_pair(head_client, school, head):
    from car.services import car_regenerate

    link = make_pair(school)
    old = make_car(link)
    attach(old, login="parent.ancien")
    car_regenerate(link=link, by=head)  # the used code is replaced: the account outlives it
    body = page_text(head_client.get(pair_url(link)))
    assert "parent.ancien" in body


def test_the_block_shows_the_last_of_several_accounts(head_client, school):
    link = make_pair(school)
    first = make_car(link, valid=False, value="0AAAAAAAAAAA1")
    second = make_car(link)
    attach(first, login="premier.compte", attached_at=timezone.now() - timezone.timedelta(days=30))
    attach(second, login="dernier.compte")
    body = page_text(head_client.get(pair_url(link)))
    assert "dernier.compte" in body and "premier.compte" not in body


def test_a_locked_valid_code_shows_bloque(head_client, school):
    link = make_pair(school)
    code = make_car(link)
    CodeAttempt.objects.create(code_id=code.pk, failures=5, locked_at=timezone.now())
    body = page_text(head_client.get(pair_url(link)))
    assert "Code bloqué" in body and "Nouveau code" in body


def test_the_lock_of_a_replaced_code_is_not_shown(head_client, school, head):
    from car.services import car_regenerate

    link = make_pair(school)
    code = make_car(link)
    CodeAttempt.objects.create(code_id=code.pk, failures=5, locked_at=timezone.now())
    car_regenerate(link=link, by=head)
    assert "Code bloqué" not in page_text(head_client.get(pair_url(link)))


def test_the_student_screen_shows_the_student_account(head_client, school):
    student = StudentFactory(school=school, last_name="Leblanc")
    attach(valid_cae(student), login="eleve.leblanc", kind=Account.Kind.STUDENT, email="")
    body = page_text(head_client.get(reverse("cae:student", args=[student.pk])))
    assert "eleve.leblanc" in body and "Validé" in body and "Réinitialiser le mot de passe" in body
    assert "mot de passe provisoire" in body


# --- Guardian: a single-use link e-mailed ------------------------------------------------------


def test_the_guardian_reset_asks_for_confirmation_first(head_client, school, smtp_sink):  # noqa: F811
    link = make_pair(school)
    attach(make_car(link))
    body = page_text(head_client.get(reset_url(link)))
    assert "Confirmer la réinitialisation" in body and "lien de réinitialisation" in body
    assert smtp_sink.count() == 0


def test_the_guardian_gets_a_single_use_link_that_opens_on_the_portal(head_client, school, head, smtp_sink):  # noqa: F811
    link = make_pair(school)
    code = make_car(link)
    account = attach(code, email="durand@familles.example")
    response = head_client.post(reset_url(link), {"retour": reverse("car:manage")}, follow=True)
    body = page_text(response)
    assert "Un lien de réinitialisation du mot de passe a été envoyé à durand@familles.example" in body
    assert response.redirect_chain[-1][0].startswith(pair_url(link))
    (received,) = smtp_sink.to("durand@familles.example")
    text = received.message.get_content()
    assert OLD_PASSWORD not in text and "parent.durand" in text
    url = re.search(r"(https://teleservices\.test\.example/\S+)", text).group(1)
    path = url.removeprefix("https://teleservices.test.example")
    # History on the SIECLE side: who asked, when, what.
    event = CodeEvent.objects.get(event=EventKind.PASSWORD_RESET)
    assert (event.link_id, event.code_id, event.by) == (link.pk, code.pk, head)
    assert "lien de réinitialisation envoyé" in event.detail
    # The head never sees or sets the password; the guardian chooses it on the portal.
    account.refresh_from_db()
    assert password_matches(account, OLD_PASSWORD)
    with override_settings(ROOT_URLCONF="tsadmin.urls_portal"):
        family = Client()
        form = family.get(path)
        assert form.status_code == 200
        done = family.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert done.status_code == 200
        account.refresh_from_db()
        assert password_matches(account, NEW_PASSWORD)
        again = family.post(path, {"password1": "Encore-une-autre-phrase-8", "password2": "Encore-une-autre-phrase-8"})
        assert again.status_code == 400  # single use
    account.refresh_from_db()
    assert password_matches(account, NEW_PASSWORD)


def test_a_refused_email_says_so_and_records_nothing(head_client, school, smtp_sink):  # noqa: F811
    link = make_pair(school)
    attach(make_car(link), email="refuse@familles.example")
    smtp_sink.answers["refuse@familles.example"] = "550 5.1.1 No such user"
    body = page_text(head_client.post(reset_url(link), follow=True))
    assert "n'a pas pu être envoyé" in body
    assert not CodeEvent.objects.filter(event=EventKind.PASSWORD_RESET).exists()


def test_another_schools_head_gets_404(other_client, school, smtp_sink):  # noqa: F811
    link = make_pair(school)
    attach(make_car(link))
    assert other_client.get(reset_url(link)).status_code == 404
    assert other_client.post(reset_url(link)).status_code == 404
    student = StudentFactory(school=school)
    attach(valid_cae(student), login="eleve.x", kind=Account.Kind.STUDENT)
    assert other_client.post(student_reset_url(student)).status_code == 404
    assert smtp_sink.count() == 0
    assert not Account.objects.filter(must_change_password=True).exists()


def test_the_reset_needs_the_csrf_token(head, school):
    from conftest import MODEL_BACKEND

    link = make_pair(school)
    attach(make_car(link))
    client = Client(enforce_csrf_checks=True)
    client.force_login(head, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = school.pk
    session.save()
    assert client.post(reset_url(link)).status_code == 403
    assert not CodeEvent.objects.filter(event=EventKind.PASSWORD_RESET).exists()


def test_a_pair_without_account_cannot_be_reset(head_client, school):
    link = make_pair(school)
    make_car(link)
    response = head_client.post(reset_url(link), follow=True)
    assert "Aucun compte n'a été créé" in page_text(response)


# --- Student: a temporary password shown once ---------------------------------------------------


def test_the_student_reset_shows_a_temporary_password_once_and_ends_the_sessions(head_client, school, head):
    student = StudentFactory(school=school, last_name="Leblanc")
    code = valid_cae(student)
    account = attach(code, login="eleve.leblanc", kind=Account.Kind.STUDENT, email="")
    now = timezone.now()
    FamilySession.objects.create(
        key_digest="a" * 64,
        account=account,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timezone.timedelta(hours=1),
    )
    confirm = page_text(head_client.get(student_reset_url(student)))
    assert "Confirmer la réinitialisation" in confirm
    assert not Account.objects.get(pk=account.pk).must_change_password
    response = head_client.post(student_reset_url(student), {"retour": reverse("cae:manage")})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    temporary = re.search(r'data-testid="temporary-password">([^<]+)<', response.content.decode()).group(1)
    assert len(temporary) == 14
    account.refresh_from_db()
    assert account.must_change_password and password_matches(account, temporary)
    assert not FamilySession.objects.filter(account=account).exists()
    event = CodeEvent.objects.get(event=EventKind.PASSWORD_RESET)
    assert (event.student_id, event.code_id, event.by) == (student.pk, code.pk, head)
    assert temporary not in event.detail
    # Shown once: the student's screen afterwards does not show it.
    assert temporary not in page_text(head_client.get(reverse("cae:student", args=[student.pk])))
    # The student signs in with it and must choose his own before anything else.
    with override_settings(ROOT_URLCONF="tsadmin.urls_portal"):
        family = Client()
        signed = family.post("/connexion/", {"login": "eleve.leblanc", "password": temporary})
        assert signed.status_code == 302
        home = family.get("/")
        assert home.status_code == 302 and home["Location"] == "/mot-de-passe/a-changer/"
        assert family.get("/compte/")["Location"] == "/mot-de-passe/a-changer/"


# --- The téléservices database does not answer --------------------------------------------


@pytest.fixture
def teleservices_down():
    """The admin's connection to the téléservices database points at a forwarder that is stopped
    (a real refused connection), then is put back."""
    from django.db import connections

    from tests.tcp_proxy import TcpProxy

    conn = connections["teleservices"]
    saved = dict(conn.settings_dict)
    proxy = TcpProxy(saved.get("HOST") or "127.0.0.1", int(saved.get("PORT") or 5432)).start()
    proxy.stop()  # nothing listens on its port any more
    conn.close()
    conn.settings_dict.update(HOST="127.0.0.1", PORT=proxy.port)
    yield
    conn.close()
    conn.settings_dict.clear()
    conn.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])
def test_the_pair_screen_still_works_when_the_teleservices_database_is_down(head_client, school, teleservices_down):
    link = make_pair(school)
    make_car(link)
    response = head_client.get(pair_url(link))
    assert response.status_code == 200
    body = page_text(response)
    assert "la base des téléservices ne répond pas" in body
    assert "Aucun compte n'a été créé" not in body  # unknown is not "none"
    assert link.guardian.last_name in body  # the rest of the screen is there
    # The reset is refused with the reason, nothing written.
    response = head_client.post(reset_url(link), follow=True)
    assert response.status_code == 200
    assert "La base des téléservices ne répond pas pour le moment" in page_text(response)
    assert not CodeEvent.objects.filter(event=EventKind.PASSWORD_RESET).exists()

"""F6 "Gérer son compte": facts, attached children (never a code value), password and e-mail changes."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from notifications.tests.conftest import smtp_sink  # noqa: F401 — the real SMTP server fixture
from portal.auth import password_matches
from portal.models import Account, Attachment, Code, FamilySession

from .factories import PASSWORD, TsSchoolFactory, TsStudentFactory, account_factory, guardian_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]

NEW_PASSWORD = "Une-toute-nouvelle-phrase-3"


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def signed_in(account: Account, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/connexion/", {"login": account.login, "password": password})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def family():
    school = TsSchoolFactory(name="Collège Jean Moulin", city="VERSAILLES")
    other = TsSchoolFactory(name="Lycée Marie Curie")
    first, first_value = guardian_code(school=school, student=TsStudentFactory(school=school, first_name="Léa"))
    second, second_value = guardian_code(school=other, student=TsStudentFactory(school=other, first_name="Tom"))
    account = account_factory(login="parent.martin", email="martin@familles.example", codes=[first, second])
    return account, (first_value, second_value), (first, second)


def test_the_account_page_lists_the_children_without_any_code_value(family):
    account, values, _codes = family
    body = signed_in(account).get("/compte/").content.decode()
    assert "parent.martin" in body and "martin@familles.example" in body
    assert "Léa" in body and "Collège Jean Moulin" in body and "Tom" in body and "Lycée Marie Curie" in body
    assert timezone.localdate().strftime("%d/%m/%Y") in body and "Activation" in body
    for value in values:
        assert value not in body and value[:4] + " " not in body


def test_a_revoked_code_disappears_from_the_list(family):
    account, _values, (first, _second) = family
    Code.objects.filter(pk=first.pk).delete()  # the replication deletes a revoked code at once
    body = signed_in(account).get("/compte/").content.decode()
    assert "Léa" not in body and "Tom" in body
    assert Attachment.objects.filter(code_id=first.pk).exists()  # the attachment outlives it


def test_the_account_pages_need_a_signed_in_family():
    for path in ("/compte/", "/compte/mot-de-passe/", "/compte/courriel/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_a_temporary_password_must_be_changed_before_the_account_pages():
    code, _ = guardian_code()
    account = account_factory(login="eleve.durand", codes=[code], must_change_password=True)
    client = signed_in(account)
    for path in ("/compte/", "/compte/mot-de-passe/", "/compte/courriel/"):
        assert client.get(path)["Location"] == "/mot-de-passe/a-changer/"
    assert client.post("/compte/mot-de-passe/", {})["Location"] == "/mot-de-passe/a-changer/"
    forced = client.post("/mot-de-passe/a-changer/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert forced.status_code == 302
    assert client.get("/compte/").status_code == 200


# --- Password -----------------------------------------------------------------------------------


def test_changing_the_password_asks_the_current_one_and_ends_the_other_sessions(family):
    account, _values, _codes = family
    other_device = signed_in(account)
    client = signed_in(account)
    assert FamilySession.objects.filter(account=account).count() == 2
    wrong = client.post(
        "/compte/mot-de-passe/", {"current": "pas-le-bon-du-tout", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 200 and "Le mot de passe actuel n'est pas le bon" in text(wrong)
    account.refresh_from_db()
    assert password_matches(account, PASSWORD)
    done = client.post(
        "/compte/mot-de-passe/", {"current": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == "/compte/"
    account.refresh_from_db()
    assert password_matches(account, NEW_PASSWORD) and account.password.startswith("argon2")
    assert "Votre nouveau mot de passe est enregistré" in client.get("/compte/").content.decode()
    assert FamilySession.objects.filter(account=account).count() == 1
    assert other_device.get("/compte/").status_code == 302  # the other device is signed out


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("court-1A", "trop court"),
        ("123456789012345", "entièrement numérique"),
        ("parent.martin-1", "trop semblable"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_form_kept(family, new, message):
    account, _values, _codes = family
    client = signed_in(account)
    response = client.post("/compte/mot-de-passe/", {"current": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 200 and message in text(response)
    account.refresh_from_db()
    assert password_matches(account, PASSWORD)


def test_wrong_current_passwords_trip_a_limit_then_it_resets(family):
    account, _values, _codes = family
    client = signed_in(account)
    bad = {"current": "toujours-pas-le-bon", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    for _ in range(5):
        assert client.post("/compte/mot-de-passe/", bad).status_code == 200
    good = {"current": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    limited = client.post("/compte/mot-de-passe/", good)
    assert limited.status_code == 429 and "Trop de tentatives" in limited.content.decode()
    account.refresh_from_db()
    assert password_matches(account, PASSWORD)
    # The window turns: the limit is lifted.
    with mock.patch("portal.ratelimit._now", return_value=__import__("time").time() + 16 * 60):
        assert client.post("/compte/mot-de-passe/", good).status_code == 302


# --- E-mail --------------------------------------------------------------------------------------


def _link(received) -> str:
    return re.search(r"http://testserver(/compte/courriel/confirmer/\S+/)", received.message.get_content()).group(1)


def test_changing_the_email_is_confirmed_by_a_link_sent_to_the_new_address(family, smtp_sink):  # noqa: F811
    account, _values, _codes = family
    client = signed_in(account)
    response = client.post("/compte/courriel/", {"email": "nouvelle@familles.example", "current": PASSWORD})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.email == "martin@familles.example"  # nothing changes before the link
    (sent,) = smtp_sink.to("nouvelle@familles.example")
    path = _link(sent)
    confirm = Client().get(path)  # from another device, not signed in: a confirmation step
    assert confirm.status_code == 200 and "nouvelle@familles.example" in confirm.content.decode()
    account.refresh_from_db()
    assert account.email == "martin@familles.example"  # a mail scanner opening the link changes nothing
    done = Client().post(path)
    assert done.status_code == 200 and "est maintenant nouvelle@familles.example" in done.content.decode()
    account.refresh_from_db()
    assert account.email == "nouvelle@familles.example"
    (notice,) = smtp_sink.to("martin@familles.example")
    text = notice.message.get_content()
    assert "n***@familles.example" in text and "nouvelle@familles.example" not in text
    again = Client().post(path)
    assert again.status_code == 404 and "déjà servi" in again.content.decode()


def test_an_expired_email_link_says_so(family, smtp_sink):  # noqa: F811
    account, _values, _codes = family
    signed_in(account).post("/compte/courriel/", {"email": "nouvelle@familles.example", "current": PASSWORD})
    path = _link(smtp_sink.to("nouvelle@familles.example")[0])
    with mock.patch("django.core.signing.time.time", return_value=__import__("time").time() + 3 * 86400):
        response = Client().post(path)
    assert response.status_code == 410 and "expiré" in response.content.decode()
    account.refresh_from_db()
    assert account.email == "martin@familles.example"


def test_a_tampered_email_link_changes_nothing(family, smtp_sink):  # noqa: F811
    account, _values, _codes = family
    signed_in(account).post("/compte/courriel/", {"email": "nouvelle@familles.example", "current": PASSWORD})
    path = _link(smtp_sink.to("nouvelle@familles.example")[0])
    assert Client().post(path.replace("/confirmer/", "/confirmer/x")).status_code == 404
    account.refresh_from_db()
    assert account.email == "martin@familles.example"


def test_the_email_change_needs_the_current_password_and_a_real_address(family, smtp_sink):  # noqa: F811
    account, _values, _codes = family
    client = signed_in(account)
    wrong = client.post("/compte/courriel/", {"email": "nouvelle@familles.example", "current": "pas-le-bon-du-tout"})
    assert wrong.status_code == 200 and "n'est pas le bon" in text(wrong)
    bad = client.post("/compte/courriel/", {"email": "pas une adresse\r\nBcc: x@y.z", "current": PASSWORD})
    assert bad.status_code == 200 and 'value="pas une adresse' in bad.content.decode()
    assert smtp_sink.count() == 0


def test_the_session_expires_after_inactivity(family):
    account, _values, _codes = family
    client = signed_in(account)
    FamilySession.objects.filter(account=account).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/compte/").status_code == 302

"""F1: an account from an activation code and a birth date; the e-mailed validation link."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.utils import timezone

from portal.auth import password_matches
from portal.models import Account, Attachment, Code, CodeAttempt, FamilySession, Outbox
from portal.tokens import PURPOSE_VALIDATE, token_make
from portal.views_activation import CODE_REFUSED

from .factories import TsSchoolFactory, TsStudentFactory, account_factory, guardian_code, student_code

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]

BIRTH = "14/05/2013"
PASSWORD = "Une-phrase-de-passe-solide-9"


def _step1(client: Client, code: str, birth: str = BIRTH):
    return client.post("/activation/", {"code": code, "birth_date": birth})


def _state(response) -> str:
    return re.search(r'name="state" value="([^"]+)"', response.content.decode()).group(1)


def _create(client: Client, code: str, *, login="parent.durand", email="parent@familles.example", birth=BIRTH):
    first = _step1(client, code, birth)
    assert first.status_code == 200, first.content
    assert "Choisissez votre identifiant" in first.content.decode(), first.content.decode()
    return client.post(
        "/activation/compte/",
        {"login": login, "password1": PASSWORD, "password2": PASSWORD, "email": email, "state": _state(first)},
    )


def test_it_creates_a_provisional_guardian_account_and_records_the_use():
    code, value = guardian_code()
    typed = f"{value[:4].lower()} - {value[4:7]} - {value[7:10].lower()}-{value[10:]}"
    response = _create(Client(), typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Votre compte est créé" in page and "parent@familles.example" in page
    account = Account.objects.get(login="parent.durand")
    assert account.kind == Account.Kind.GUARDIAN and account.state == Account.State.PROVISIONAL
    assert password_matches(account, PASSWORD) and account.password.startswith("argon2")
    attachment = Attachment.objects.get(account=account)
    assert (attachment.code_id, attachment.student_id, attachment.school_id) == (
        code.id,
        code.student_id,
        code.school_id,
    )
    usage = Outbox.objects.get(kind=Outbox.Kind.USAGE)
    assert (usage.code_id, usage.account_id) == (code.id, account.pk)
    assert usage.payload == {"school_id": code.school_id, "kind": "R"}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["parent@familles.example"]
    assert "/activation/valider/" in mail.outbox[0].body


def test_a_provisional_account_cannot_sign_in_until_validated():
    code, value = guardian_code()
    _create(Client(), value)
    client = Client()
    refused = client.post("/connexion/", {"login": "parent.durand", "password": PASSWORD})
    assert refused.status_code == 200 and "pas encore validé" in refused.content.decode()
    assert not FamilySession.objects.exists()
    link = re.search(r"http://testserver(/activation/valider/[^/\s]+/)", mail.outbox[0].body).group(1)
    confirm = client.get(link)
    assert "Valider mon compte" in confirm.content.decode()
    assert Account.objects.get().state == Account.State.PROVISIONAL  # opening the link changes nothing
    done = client.post(link)
    assert "est validé" in done.content.decode()
    account = Account.objects.get()
    assert account.state == Account.State.VALIDATED and account.validated_at
    assert client.post("/connexion/", {"login": "parent.durand", "password": PASSWORD}).status_code == 302
    # Single use: the same link again says it has served.
    again = Client().post(link)
    assert again.status_code == 400 and "déjà servi" in again.content.decode()


def test_an_expired_validation_link_says_so_and_sends_a_new_one(monkeypatch):
    code, value = guardian_code()
    _create(Client(), value)
    account = Account.objects.get()
    old = token_make(purpose=PURPOSE_VALIDATE, account=account)
    mail.outbox.clear()
    later = timezone.now().timestamp() + 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = Client().get(f"/activation/valider/{old}/")
    assert response.status_code == 200
    assert "a expiré" in response.content.decode() and "nouveau lien vient d'être envoyé" in response.content.decode()
    assert len(mail.outbox) == 1
    monkeypatch.undo()
    fresh = re.search(r"http://testserver(/activation/valider/[^/\s]+/)", mail.outbox[0].body).group(1)
    Client().post(fresh)
    assert Account.objects.get().state == Account.State.VALIDATED


def test_a_student_account_is_validated_at_once_and_signed_in():
    code, value = student_code()
    client = Client()
    response = _create(client, value, login="lea.eleve")
    assert response.status_code == 302 and response["Location"] == "/"
    account = Account.objects.get(login="lea.eleve")
    assert account.kind == Account.Kind.STUDENT and account.state == Account.State.VALIDATED
    assert Outbox.objects.get().payload == {"school_id": code.school_id, "kind": "E"}
    home = client.get("/")
    assert "Votre compte est créé" in home.content.decode()
    assert not mail.outbox


def test_a_student_is_not_promised_a_validation_link():
    _code, value = student_code()
    client = Client()
    first = _step1(client, value)
    assert "Un lien de validation" not in first.content.decode()
    assert "si vous oubliez votre mot de passe" in first.content.decode()
    # Still not after an error (the same step posted again).
    again = client.post("/activation/compte/", {"login": "x", "state": _state(first)})
    assert "Un lien de validation" not in again.content.decode() and "caractères" in again.content.decode()
    guardian = _step1(Client(), guardian_code()[1])
    assert "Un lien de validation y sera envoyé" in guardian.content.decode()


def test_a_failed_send_says_so_and_offers_to_send_again(settings):
    code, value = guardian_code()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = _create(Client(), value)
    page = response.content.decode()
    assert "n'a pas pu être envoyé" in page and "Renvoyer le lien de validation" in page
    assert Account.objects.filter(login="parent.durand").exists()  # the account is kept
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    token = re.search(r'name="jeton" value="([^"]+)"', page).group(1)
    again = Client().post("/activation/renvoyer/", {"jeton": token})
    assert "vient d'être envoyé" in again.content.decode()
    assert len(mail.outbox) == 1


def test_the_login_must_be_unique_and_the_form_is_kept():
    account_factory(login="Parent.Durand")
    code, value = guardian_code()
    response = _create(Client(), value, login="parent.durand")
    page = response.content.decode()
    assert "déjà pris" in page and 'value="parent@familles.example"' in page
    assert not Attachment.objects.filter(code_id=code.id).exists()


def test_weak_or_mismatched_passwords_are_refused_in_french():
    code, value = guardian_code()
    client = Client()
    first = _step1(client, value)
    for pw1, pw2, message in [
        ("court", "court", "trop court"),
        ("123456789012345", "123456789012345", "entièrement numérique"),
        (PASSWORD, PASSWORD + "x", "ne sont pas identiques"),
    ]:
        response = client.post(
            "/activation/compte/",
            {"login": "parent.x", "password1": pw1, "password2": pw2, "email": "a@b.example", "state": _state(first)},
        )
        assert message in response.content.decode()
    assert not Account.objects.exists()


def test_a_forged_or_stale_step_two_starts_again():
    code, value = guardian_code()
    response = Client().post(
        "/activation/compte/",
        {"login": "x.y.z", "password1": PASSWORD, "password2": PASSWORD, "email": "a@b.example", "state": "forged"},
    )
    assert "saisissez de nouveau le code" in response.content.decode()
    assert not Account.objects.exists()


def test_the_same_code_cannot_make_two_accounts():
    code, value = guardian_code()
    client = Client()
    first = _step1(client, value)
    second = _step1(Client(), value)
    state2 = _state(second)
    client.post(
        "/activation/compte/",
        {
            "login": "un.parent",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "email": "a@b.example",
            "state": _state(first),
        },
    )
    late = Client().post(
        "/activation/compte/",
        {
            "login": "autre.parent",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "email": "c@d.example",
            "state": state2,
        },
    )
    assert CODE_REFUSED in late.content.decode().replace("&#x27;", "'")
    assert Account.objects.count() == 1


# --- Guessing: one neutral answer ------------------------------------------------------------


def _refusal(client, code, birth=BIRTH):
    response = _step1(client, code, birth)
    return response.status_code, CODE_REFUSED in response.content.decode().replace("&#x27;", "'")


def test_every_refusal_gives_the_same_answer():
    unknown = "0ABCDEFGHJKLM"
    _used, used_value = guardian_code()
    account_factory(codes=[_used])
    refused_student = TsStudentFactory(access_refused=True)
    _refused, refused_value = student_code(student=refused_student)
    _good, good_value = guardian_code()
    answers = {
        "unknown": _refusal(Client(), unknown),
        "wrong date": _refusal(Client(), good_value, "15/05/2013"),
        "used": _refusal(Client(), used_value),
        "refused access": _refusal(Client(), refused_value),
    }
    assert set(answers.values()) == {(200, True)}, answers
    # The right pair still works after one wrong date.
    assert "Choisissez votre identifiant" in _step1(Client(), good_value).content.decode()


def test_a_code_not_yet_replicated_or_whose_school_is_gone_is_refused_the_same_way():
    school = TsSchoolFactory()
    code, value = guardian_code(school=school)
    Code.objects.filter(pk=code.pk).delete()  # not (or no longer) in the téléservices base
    assert _refusal(Client(), value) == (200, True)


def test_five_wrong_birth_dates_lock_the_code_and_tell_the_siecle_side():
    code, value = guardian_code()
    for _ in range(5):
        assert _refusal(Client(), value, "01/01/2012") == (200, True)
    attempt = CodeAttempt.objects.get(code_id=code.id)
    assert attempt.failures == 5 and attempt.locked_at is not None
    lock = Outbox.objects.get(kind=Outbox.Kind.LOCK)
    assert lock.code_id == code.id and lock.payload == {"school_id": code.school_id, "kind": "R"}
    # Now even the right birth date is refused, with the same message.
    assert _refusal(Client(), value) == (200, True)
    assert Outbox.objects.filter(kind=Outbox.Kind.LOCK).count() == 1


def test_four_wrong_dates_do_not_lock():
    code, value = guardian_code()
    for _ in range(4):
        _refusal(Client(), value, "01/01/2012")
    assert CodeAttempt.objects.get(code_id=code.id).locked_at is None
    assert "Choisissez votre identifiant" in _step1(Client(), value).content.decode()


def test_a_badly_typed_date_keeps_the_form_and_says_how_to_type_it():
    code, value = guardian_code()
    response = _step1(Client(), value, "14 mai")
    page = response.content.decode()
    assert "JJ/MM/AAAA" in page and value in page
    assert not CodeAttempt.objects.exists()


def test_the_activation_page_loads_its_own_script_and_no_inline_one():
    page = Client().get("/activation/").content.decode()
    assert "js/portal-activation.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "style=" not in page


def test_the_letters_qr_address_is_this_page():
    # notifications.content.activation_url builds <teleservices_url>activation/#code=<CODE>.
    from notifications.content import activation_url

    url = activation_url(teleservices_url="https://ts.example/", value="1W2J - FML - 8EA - BKK")
    path = url.split("https://ts.example", 1)[1].split("#", 1)[0]
    assert Client().get(path).status_code == 200


def test_refusal_times_are_similar():
    """Unknown code, wrong date, used code: the same work; medians within a loose bound."""
    import statistics
    import time

    _used, used_value = guardian_code()
    account_factory(codes=[_used])
    _good, good_value = guardian_code()
    cases = {"unknown": ("0ZZZZZZZZZZZZ", BIRTH), "wrong": (good_value, "02/02/2012"), "used": (used_value, BIRTH)}
    timings = {name: [] for name in cases}
    for _ in range(3):
        for name, (code, birth) in cases.items():
            client = Client()
            start = time.perf_counter()
            _step1(client, code, birth)
            timings[name].append(time.perf_counter() - start)
        CodeAttempt.objects.update(failures=0, locked_at=None)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    assert max(medians.values()) < 5 * min(medians.values()) + 0.05, medians

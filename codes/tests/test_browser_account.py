"""In chromium: the account block of the pair and student screens, and the student's password reset."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_car, make_pair
from conftest import axe_violations, browser_sign_in, click_and_wait, save_screenshot
from portal.auth import password_hash, password_matches
from portal.models import Account, Attachment, CodeAttempt
from siecle.factories import StudentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def _attach(code, **fields):
    account = Account.objects.create(
        password=password_hash("Un-ancien-mot-de-passe-42"), validated_at=timezone.now(), **fields
    )
    Attachment.objects.create(
        account=account,
        code_id=code.pk,
        student_id=code.student_id,
        school_id=code.school_id,
        attached_at=timezone.now(),
    )
    return account


def test_the_head_sees_the_guardian_account_block_and_a_locked_code(page, head, school):
    link = make_pair(school, last_name="DURAND")
    code = make_car(link)
    _attach(code, login="parent.durand", email="durand@familles.example", kind="R", state="V")
    CodeAttempt.objects.create(code_id=code.pk, failures=5, locked_at=timezone.now())
    browser_sign_in(page, "chef")
    page.goto(reverse("car:pair", args=[link.pk]))
    block = page.get_by_test_id("account-block")
    expect(block).to_contain_text("parent.durand")
    expect(block).to_contain_text("durand@familles.example")
    expect(page.get_by_test_id("account-state")).to_contain_text("Validé")
    expect(page.get_by_test_id("code-locked")).to_contain_text("Code bloqué")
    save_screenshot(page, "car-pair-account-block")
    assert axe_violations(page) == []
    click_and_wait(page, block.get_by_role("link", name="Réinitialiser le mot de passe"))
    expect(page.get_by_role("heading", name="Réinitialiser le mot de passe")).to_be_visible()
    expect(page.get_by_text("Un lien de réinitialisation, valable une seule fois")).to_be_visible()
    save_screenshot(page, "car-pair-account-reset-confirm")
    assert axe_violations(page) == []
    click_and_wait(page, page.get_by_role("link", name="Annuler"))
    expect(page).to_have_url(re.compile(rf"/gerer/{link.pk}/"))


def test_the_head_resets_a_students_password_and_sees_it_once(page, head, school):
    student = StudentFactory(school=school, last_name="LEBLANC", first_name="Jules")
    cae = ActivationCode.objects.get(kind=CodeKind.CAE, student=student, is_valid=True)
    account = _attach(cae, login="eleve.leblanc", email="", kind="E", state="V")
    browser_sign_in(page, "chef")
    page.goto(reverse("cae:student", args=[student.pk]))
    expect(page.get_by_test_id("account-login")).to_have_text("eleve.leblanc")
    save_screenshot(page, "cae-student-account-block")
    assert axe_violations(page) == []
    click_and_wait(page, page.get_by_role("link", name="Réinitialiser le mot de passe"))
    expect(page.get_by_text("il vous sera affiché une seule fois")).to_be_visible()
    click_and_wait(page, page.get_by_role("button", name="Confirmer la réinitialisation"))
    shown = page.get_by_test_id("temporary-password")
    expect(shown).to_have_text(re.compile(r"^\S{4}-\S{4}-\S{4}$"))
    temporary = shown.inner_text()
    save_screenshot(page, "cae-student-account-reset-done")
    assert axe_violations(page) == []
    account.refresh_from_db()
    assert account.must_change_password and password_matches(account, temporary)
    click_and_wait(page, page.get_by_role("link", name="Retourner à la fiche"))
    expect(page.get_by_test_id("account-block")).to_be_visible()
    expect(page.get_by_text(temporary)).to_have_count(0)
    expect(page.get_by_text("Réinitialisation du mot de passe du compte")).to_be_visible()  # history row

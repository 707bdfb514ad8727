"""TOTP second factor: enrolment with a QR code, sign-in with a code, recovery codes, IT reset."""

import re
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from conftest import PASSWORD
from siecle.factories import SchoolFactory
from staff.models import RecoveryCode, SealedTOTPDevice, SignInEvent
from staff.services import staff_user_create_or_update
from tests.production import production_env

pytestmark = pytest.mark.django_db


def code_for(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def recovery_codes_in(response):
    listing = response.content.decode().split('data-testid="recovery-codes">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"<li>([a-z0-9-]+)</li>", listing)


def sign_in(username="chef", password=PASSWORD, ip="10.0.0.1"):
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    return client


def enrol(client):
    page = client.get("/connexion/second-facteur/activation/")
    device = SealedTOTPDevice.objects.get(user__username="chef", confirmed=False)
    done = client.post("/connexion/second-facteur/activation/", {"code": code_for(device)})
    return page, done, device


def test_every_account_enrols_at_first_sign_in_with_an_inline_qr_code(head, settings):
    settings.STAFF_2FA = "all"
    client = sign_in()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/second-facteur/activation/")
    page, done, device = enrol(client)
    body = page.content.decode()
    assert "<svg" in body and "QR code du second facteur" in body
    assert 'src="http' not in body and "otpauth://" not in body.split("<svg", 1)[0]
    recovery = done.content.decode()
    assert done.status_code == 200 and "ne seront plus jamais affichés" in recovery
    codes = recovery_codes_in(done)
    assert len(codes) == 10
    stored = list(RecoveryCode.objects.filter(user=head).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not set(codes) & set(stored)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert SignInEvent.objects.filter(username="chef", kind="otp_success").count() == 1


def test_a_wrong_enrolment_code_keeps_the_page_and_enrols_nothing(head, settings):
    settings.STAFF_2FA = "all"
    client = sign_in()
    client.get("/connexion/second-facteur/activation/")
    response = client.post("/connexion/second-facteur/activation/", {"code": "000000x"})
    assert response.status_code == 200 and "Code incorrect" in response.content.decode()
    assert "<svg" in response.content.decode()
    assert not SealedTOTPDevice.objects.filter(user=head, confirmed=True).exists()
    assert client.get("/").status_code == 302


def test_the_next_sign_in_asks_for_a_code_and_accepts_a_generated_one(head, settings):
    settings.STAFF_2FA = "all"
    _, _, device = enrol(sign_in())
    client = sign_in()
    response = client.get("/aide/")
    assert response["Location"] == "/connexion/second-facteur/?next=/aide/"
    wrong = client.post("/connexion/second-facteur/", {"code": "123456", "next": "/aide/"})
    assert "Code incorrect" in wrong.content.decode()
    assert client.get("/aide/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post("/connexion/second-facteur/", {"code": code_for(device, 1), "next": "/aide/"})
    assert ok.status_code == 302 and ok["Location"] == "/aide/"
    assert client.get("/aide/").status_code == 200
    assert SignInEvent.objects.filter(username="chef", kind="otp_failure").exists()


def test_wrong_codes_are_throttled(head, settings):
    settings.STAFF_2FA = "all"
    _, _, device = enrol(sign_in())
    client = sign_in()
    for _ in range(3):
        client.post("/connexion/second-facteur/", {"code": "000000"})
    # The right code right away is refused while the device waits.
    response = client.post("/connexion/second-facteur/", {"code": code_for(device, 1)})
    assert "patientez" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once(head, settings):
    settings.STAFF_2FA = "all"
    _, done, _ = enrol(sign_in())
    code = recovery_codes_in(done)[0]
    client = sign_in()
    assert client.post("/connexion/second-facteur/", {"code": code.upper()}).status_code == 302
    assert client.get("/").status_code == 200
    again = sign_in()
    response = again.post("/connexion/second-facteur/", {"code": code})
    assert "Code incorrect" in response.content.decode()
    assert again.get("/").status_code == 302


def test_privileged_mode_asks_academy_staff_and_superusers_not_school_heads(head, school, settings):
    settings.STAFF_2FA = "privileged"
    assert sign_in().get("/").status_code == 200
    staff_user_create_or_update(username="dsi", password=PASSWORD, academy=school.academy)
    assert sign_in("dsi").get("/")["Location"].startswith("/connexion/second-facteur/activation/")
    User.objects.create_superuser("root.it", "it@example.org", PASSWORD)
    admin = Client()
    admin.post("/admin/login/?next=/admin/", {"username": "root.it", "password": PASSWORD})
    response = admin.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/second-facteur/activation/")


def test_a_head_who_enrolled_is_always_asked_even_when_not_required(head, settings):
    settings.STAFF_2FA = "all"
    enrol(sign_in())
    settings.STAFF_2FA = "off"
    assert sign_in().get("/")["Location"].startswith("/connexion/second-facteur/?")


def test_it_staff_reset_a_lost_second_factor(head, settings, capsys):
    settings.STAFF_2FA = "all"
    enrol(sign_in())
    signed = sign_in()
    call_command("reset_second_factor", "chef")
    assert "réinitialisé" in capsys.readouterr().out
    assert (
        not SealedTOTPDevice.objects.filter(user=head).exists() and not RecoveryCode.objects.filter(user=head).exists()
    )
    assert signed.get("/").status_code == 302  # his sessions were ended
    assert sign_in().get("/")["Location"].startswith("/connexion/second-facteur/activation/")


def test_the_admin_action_resets_the_second_factor(head, settings):
    settings.STAFF_2FA = "off"
    enrol(sign_in())
    it = User.objects.create_superuser("it.chef", "it@example.org", PASSWORD)
    client = Client()
    client.force_login(it)
    response = client.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [head.pk]}, follow=True
    )
    assert "Second facteur réinitialisé pour 1 compte(s)" in response.content.decode()
    assert not SealedTOTPDevice.objects.filter(user=head).exists()


def test_production_settings_require_it_for_everyone(tmp_path):
    env = production_env(TSADMIN_VAR_DIR=str(tmp_path), STAFF_2FA=None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.STAFF_2FA)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "all"
    env["STAFF_2FA"] = "off"
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)  # noqa: S603
    assert refused.returncode != 0 and "must be 'all' in production" in refused.stderr


def test_other_schools_heads_are_untouched_by_a_reset(head, other_head, settings):
    settings.STAFF_2FA = "all"
    SchoolFactory()
    enrol(sign_in())
    call_command("reset_second_factor", "autre.chef")
    assert SealedTOTPDevice.objects.filter(user=head, confirmed=True).exists()


def test_a_second_factor_reset_while_its_code_is_checked_asks_to_sign_in_again(head, settings, monkeypatch):
    """IT resets the device between the page reading it and django-otp saving its counters: a
    French message, not an error page, and the deleted device does not come back."""
    settings.STAFF_2FA = "all"
    _, _, device = enrol(sign_in())
    client = sign_in()
    checked = SealedTOTPDevice.verify_is_allowed

    def reset_meanwhile(self):
        SealedTOTPDevice.objects.filter(pk=self.pk).delete()
        return checked(self)

    monkeypatch.setattr(SealedTOTPDevice, "verify_is_allowed", reset_meanwhile)
    response = client.post("/connexion/second-facteur/", {"code": code_for(device, 1), "next": "/aide/"})
    assert response.status_code == 200
    assert "réinitialisé : reconnectez-vous" in response.content.decode()
    assert not SealedTOTPDevice.objects.filter(user__username="chef").exists()
    assert client.get("/aide/").status_code == 302

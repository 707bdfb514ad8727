"""The staff's TOTP secrets at rest: sealed in the database, opened only to check a code or enrol."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import segno
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from codes import sealing as codes_sealing
from conftest import PASSWORD
from staff.models import SealedTOTPDevice
from staff.security import totp_keys
from staff.tests.test_second_factor import enrol, recovery_codes_in, sign_in

pytestmark = pytest.mark.django_db


def rfc6238(secret_b32: str, *, at: float, digits: int = 6, period: int = 30) -> str:
    """A TOTP code computed here from the base32 secret alone (RFC 6238, SHA-1), as a phone does."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, int(at // period).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 10**digits:0{digits}d}"


def stored_rows(user) -> str:
    """Every column of the user's device rows, read with plain SQL (what a dump holds)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM otp_totp_totpdevice WHERE user_id = %s", [user.pk])
        return repr(cursor.fetchall())


def test_enrolment_seals_the_secret_and_a_code_from_the_provisioning_uri_signs_in(head, settings, monkeypatch):
    settings.STAFF_2FA = "all"
    encoded = []
    real_make = segno.make

    def recording_make(content, *args, **kwargs):  # what the QR code the phone scans holds
        encoded.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(segno, "make", recording_make)
    client = sign_in()
    page = client.get("/connexion/second-facteur/activation/")
    assert page.status_code == 200 and len(encoded) == 1
    uri = urlsplit(encoded[0])
    params = {k: v[0] for k, v in parse_qs(uri.query).items()}
    assert uri.scheme == "otpauth" and uri.netloc == "totp" and unquote(uri.path) == "/TS Admin:chef"
    assert (params["algorithm"], params["digits"], params["period"], params["issuer"]) == (
        "SHA1",
        "6",
        "30",
        "TS Admin",
    )
    secret = params["secret"].rstrip("=")
    # The secret typed by hand (no camera) is the QR code's.
    shown = page.content.decode().split('data-testid="totp-secret"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert shown.replace(" ", "") == secret

    done = client.post("/connexion/second-facteur/activation/", {"code": rfc6238(secret, at=time.time())})
    assert done.status_code == 200 and "ne seront plus jamais affichés" in done.content.decode()

    # The database holds the secret in no form: neither django-otp's hex nor the base32 of the app.
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    dump = stored_rows(head)
    for clear in (raw.hex(), raw.hex().upper(), secret, secret.lower()):
        assert clear not in dump
    (key,) = SealedTOTPDevice.objects.filter(user=head).values_list("key", flat=True)
    assert key.startswith(f"{totp_keys.key_id(settings.OTP_ENCRYPTION_KEYS[0])}:")
    assert totp_keys.totp_key_open(key, user_id=head.pk) == raw

    # A new sign-in: the password, then the code of the next step, computed from the URI alone.
    again = sign_in()
    assert again.get("/aide/")["Location"] == "/connexion/second-facteur/?next=/aide/"
    ok = again.post("/connexion/second-facteur/", {"code": rfc6238(secret, at=time.time() + 30), "next": "/aide/"})
    assert ok.status_code == 302 and ok["Location"] == "/aide/"
    assert again.get("/aide/").status_code == 200


def test_a_sealed_secret_opens_for_its_own_user_only_and_never_as_an_activation_code(head, other_head, settings):
    settings.STAFF_2FA = "all"
    _, _, device = enrol(sign_in())
    device.refresh_from_db()
    theirs = SealedTOTPDevice.objects.create(user=other_head, name="app", confirmed=True)
    # A head's sealed secret copied onto another user's row does not open there.
    SealedTOTPDevice.objects.filter(pk=theirs.pk).update(key=device.key)
    theirs.refresh_from_db()
    with pytest.raises(totp_keys.SealError):
        theirs.bin_key  # noqa: B018
    # A sealed activation code is no TOTP secret, even under the very same secret key.
    settings.CODES_ENCRYPTION_KEYS = list(settings.OTP_ENCRYPTION_KEYS)
    SealedTOTPDevice.objects.filter(pk=theirs.pk).update(key=codes_sealing.seal("1W2JFML8EABKK"))
    theirs.refresh_from_db()
    with pytest.raises(totp_keys.SealError):
        theirs.bin_key  # noqa: B018
    # A secret written in clear (outside our model) is refused, not used: fail closed.
    SealedTOTPDevice.objects.filter(pk=theirs.pk).update(key="3132333435363738393031323334353637383930")
    theirs.refresh_from_db()
    with pytest.raises(totp_keys.SealError):
        theirs.verify_token("123456")
    # The head's own device still opens and is untouched.
    assert len(device.bin_key) == 20


def test_a_secret_that_does_not_fit_sealed_in_its_column_is_refused(head):
    with pytest.raises(ValueError, match="23 bytes"):
        SealedTOTPDevice.objects.create(user=head, name="app", key="ab" * 24)
    assert not SealedTOTPDevice.objects.exists()


def test_the_django_admin_never_shows_the_secret(head, settings):
    settings.STAFF_2FA = "off"
    _, _, device = enrol(sign_in())
    device.refresh_from_db()
    raw = device.bin_key
    b32 = base64.b32encode(raw).decode().rstrip("=")
    it = User.objects.create_superuser("it.chef", "it@example.org", PASSWORD)
    client = Client()
    client.force_login(it)
    listing = client.get("/admin/staff/sealedtotpdevice/")
    page = client.get(f"/admin/staff/sealedtotpdevice/{device.pk}/change/")
    assert listing.status_code == 200 and page.status_code == 200 and "chef" in page.content.decode()
    for response in (listing, page):
        body = response.content.decode()
        for shown in (raw.hex(), b32, " ".join(b32[i : i + 4] for i in range(0, len(b32), 4)), device.key, "otpauth"):
            assert shown not in body
    # django-otp's own pages (with the key on its add form and a QR code page) are gone.
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 404
    assert client.get("/admin/staff/sealedtotpdevice/add/").status_code == 403
    unchanged = device.key
    client.post(f"/admin/staff/sealedtotpdevice/{device.pk}/change/", {"key": "00" * 20, "name": "x"})
    device.refresh_from_db()
    assert device.key == unchanged


def test_a_secret_no_configured_key_opens_is_a_french_message_and_a_recovery_code_still_signs_in(
    head, settings, caplog
):
    settings.STAFF_2FA = "all"
    _, done, device = enrol(sign_in())
    raw = SealedTOTPDevice.objects.get(pk=device.pk).bin_key
    recovery = recovery_codes_in(done)[0]
    settings.OTP_ENCRYPTION_KEYS = ["another-otp-key-" + "x" * 60]  # the old key removed too early
    client = sign_in()
    refused = client.post("/connexion/second-facteur/", {"code": "123456"})
    assert refused.status_code == 200 and "ne peut pas être vérifié" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert "does not open" in caplog.text or "No configured key" in caplog.text
    assert raw.hex() not in caplog.text
    assert client.post("/connexion/second-facteur/", {"code": recovery}).status_code == 302
    assert client.get("/").status_code == 200


def test_an_unconfirmed_device_no_key_opens_is_drawn_again_at_enrolment(head, settings):
    settings.STAFF_2FA = "all"
    client = sign_in()
    client.get("/connexion/second-facteur/activation/")
    first = SealedTOTPDevice.objects.get(user=head, confirmed=False)
    settings.OTP_ENCRYPTION_KEYS = ["another-otp-key-" + "x" * 60]
    page = client.get("/connexion/second-facteur/activation/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    (second,) = SealedTOTPDevice.objects.filter(user=head)
    assert second.pk != first.pk and len(second.bin_key) == 20

"""`manage.py totp_rotate_key`: every staff TOTP secret re-sealed with the newest key, batch by batch."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from conftest import PASSWORD
from staff.models import SealedTOTPDevice
from staff.security import totp_keys
from staff.services import staff_user_create_or_update

pytestmark = pytest.mark.django_db

OLD = "old-otp-key-" + "o" * 60
NEW = "new-otp-key-" + "n" * 60


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("totp_rotate_key", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def devices_under_old_key(settings, school):
    settings.OTP_ENCRYPTION_KEYS = [OLD]
    for n in range(5):
        user, _ = staff_user_create_or_update(username=f"chef{n}", password=PASSWORD, schools=[school])
        SealedTOTPDevice.objects.create(user=user, name="app", confirmed=True)
    secrets = {d.pk: d.bin_key for d in SealedTOTPDevice.objects.all()}
    assert len(secrets) == 5 and len(set(secrets.values())) == 5
    return secrets


def secrets_now() -> dict[int, bytes]:
    return {d.pk: d.bin_key for d in SealedTOTPDevice.objects.all()}


def test_after_rotation_the_old_key_can_be_removed_and_every_secret_still_opens(settings, devices_under_old_key):
    settings.OTP_ENCRYPTION_KEYS = [NEW, OLD]
    out = rotate("--batch", "2")
    assert "Secrets TOTP rechiffrés : 5 en 3 lot(s)" in out
    assert f"{totp_keys.key_id(OLD)} : 5" in out and f"{totp_keys.key_id(NEW)} : 5" in out
    assert "peuvent être retirées" in out
    settings.OTP_ENCRYPTION_KEYS = [NEW]
    # The same secrets: the phones keep working, nobody enrols again.
    assert secrets_now() == devices_under_old_key
    assert totp_keys.sealed_by_key() == {totp_keys.key_id(NEW): 5}


def test_a_rotation_run_twice_rewrites_nothing_the_second_time(settings, devices_under_old_key):
    settings.OTP_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    tokens = dict(SealedTOTPDevice.objects.values_list("pk", "key"))
    assert "Secrets TOTP rechiffrés : 0 en 0 lot(s)" in rotate()
    assert dict(SealedTOTPDevice.objects.values_list("pk", "key")) == tokens


def test_a_rotation_resumes_after_an_interruption(settings, devices_under_old_key):
    settings.OTP_ENCRYPTION_KEYS = [NEW, OLD]
    done, _ = totp_keys.totp_keys_reseal_batch(ring=totp_keys.sealer(), after_id=0, size=2)  # then it died
    assert done == 2
    assert totp_keys.sealed_by_key() == {totp_keys.key_id(NEW): 2, totp_keys.key_id(OLD): 3}
    assert "Secrets TOTP rechiffrés : 3 en 1 lot(s)" in rotate()
    assert totp_keys.sealed_by_key() == {totp_keys.key_id(NEW): 5}


def test_a_key_removed_too_early_stops_the_rotation_and_writes_nothing(settings, devices_under_old_key):
    tokens = dict(SealedTOTPDevice.objects.values_list("pk", "key"))
    settings.OTP_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError) as refused:
        rotate()
    assert refused.value.returncode == 1
    assert "Remettez l'ancienne clé dans OTP_ENCRYPTION_KEYS" in str(refused.value)
    assert dict(SealedTOTPDevice.objects.values_list("pk", "key")) == tokens


def test_the_codes_rotation_leaves_the_totp_secrets_alone(settings, devices_under_old_key):
    tokens = dict(SealedTOTPDevice.objects.values_list("pk", "key"))
    settings.CODES_ENCRYPTION_KEYS = ["codes-" + "c" * 60, *settings.CODES_ENCRYPTION_KEYS]
    call_command("codes_rotate_key", stdout=io.StringIO())
    assert dict(SealedTOTPDevice.objects.values_list("pk", "key")) == tokens


def test_a_bad_batch_size_is_refused():
    with pytest.raises(CommandError) as refused:
        rotate("--batch", "0")
    assert refused.value.returncode == 2


def test_a_sign_in_under_way_during_the_rotation_does_not_write_the_old_token_back(settings, devices_under_old_key):
    """A sign-in loads the device, the rotation re-seals it, then django-otp saves the device
    (its last code and counters, a full save): the secret must stay sealed with the new key."""
    from django_otp.oath import TOTP

    settings.OTP_ENCRYPTION_KEYS = [NEW, OLD]
    signing_in = SealedTOTPDevice.objects.order_by("pk").first()
    wrong_code = SealedTOTPDevice.objects.order_by("pk").last()
    rotate()
    totp = TOTP(signing_in.bin_key, signing_in.step, signing_in.t0, signing_in.digits, signing_in.drift)
    assert signing_in.verify_token(totp.token())
    other = TOTP(wrong_code.bin_key, wrong_code.step, wrong_code.t0, wrong_code.digits, wrong_code.drift)
    assert not wrong_code.verify_token(f"{(other.token() + 500_000) % 1_000_000:06d}")
    assert totp_keys.sealed_by_key() == {totp_keys.key_id(NEW): 5}
    settings.OTP_ENCRYPTION_KEYS = [NEW]
    assert secrets_now() == devices_under_old_key

"""`manage.py codes_rotate_key`: every code re-sealed with the newest key, batch by batch."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from codes import sealing
from codes.models import ActivationCode
from codes.rotation import sealed_by_key
from codes.tests.factories import make_car, make_pair
from replication.models import Change

pytestmark = pytest.mark.django_db

OLD = "old-key-" + "o" * 60
NEW = "new-key-" + "n" * 60


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("codes_rotate_key", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def codes_under_old_key(settings, school):
    settings.CODES_ENCRYPTION_KEYS = [OLD]
    values = [f"1ABCDEFGHJK{n:02d}" for n in range(4)]
    for n, value in enumerate(values):
        make_car(make_pair(school, last_name=f"ELEVE{n}"), value=value)  # a CAR, and the student's CAE
    codes = {c.pk: c.value for c in ActivationCode.objects.all()}
    assert len(codes) == 8 and set(values) < set(codes.values())
    return codes


def test_after_rotation_the_old_key_can_be_removed_and_every_code_still_opens(settings, codes_under_old_key):
    lookups = dict(ActivationCode.objects.values_list("pk", "value_lookup"))
    settings.CODES_ENCRYPTION_KEYS = [NEW, OLD]
    Change.objects.all().delete()
    out = rotate("--batch", "3")
    assert "Codes rechiffrés : 8 en 3 lot(s)" in out
    assert f"{sealing.key_id(OLD)} : 8" in out and f"{sealing.key_id(NEW)} : 8" in out
    assert "peuvent être retirées" in out
    settings.CODES_ENCRYPTION_KEYS = [NEW]
    assert {c.pk: c.value for c in ActivationCode.objects.all()} == codes_under_old_key
    assert dict(ActivationCode.objects.values_list("pk", "value_lookup")) == lookups
    assert sealed_by_key() == {sealing.key_id(NEW): 8}
    # The codes did not change: nothing is sent again to the families' side.
    assert not Change.objects.exists()


def test_a_rotation_run_twice_rewrites_nothing_the_second_time(settings, codes_under_old_key):
    settings.CODES_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    tokens = dict(ActivationCode.objects.values_list("pk", "value_sealed"))
    assert "Codes rechiffrés : 0 en 0 lot(s)" in rotate()
    assert dict(ActivationCode.objects.values_list("pk", "value_sealed")) == tokens


def test_a_rotation_resumes_after_an_interruption(settings, codes_under_old_key):
    from codes.rotation import codes_reseal_batch

    settings.CODES_ENCRYPTION_KEYS = [NEW, OLD]
    done, last = codes_reseal_batch(ring=sealing.keyring(), after_id=0, size=4)  # then the process died
    assert done == 4
    assert sealed_by_key() == {sealing.key_id(NEW): 4, sealing.key_id(OLD): 4}
    assert "Codes rechiffrés : 4 en 1 lot(s)" in rotate()
    assert sealed_by_key() == {sealing.key_id(NEW): 8}


def test_a_key_removed_too_early_stops_the_rotation_and_writes_nothing(settings, codes_under_old_key):
    tokens = dict(ActivationCode.objects.values_list("pk", "value_sealed"))
    settings.CODES_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError) as refused:
        rotate()
    assert refused.value.returncode == 1
    assert "Remettez l'ancienne clé" in str(refused.value)
    assert dict(ActivationCode.objects.values_list("pk", "value_sealed")) == tokens


def test_a_bad_batch_size_is_refused(settings):
    with pytest.raises(CommandError) as refused:
        rotate("--batch", "0")
    assert refused.value.returncode == 2

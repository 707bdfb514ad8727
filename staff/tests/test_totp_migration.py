"""Migration staff 0007: the TOTP secrets django-otp stored in hex are sealed (PostgreSQL and SQLite)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.models import SealedTOTPDevice
from staff.security import totp_keys

ROOT = Path(__file__).resolve().parents[2]
CLEAR = [("staff", "0006_membership_roles")]
SEALED = [("staff", "0007_sealed_totp_device")]
HEAD_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, in django-otp's hex
OTHER_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f9001122334"


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def stored_keys() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute('SELECT user_id, "key" FROM otp_totp_totpdevice')
        return dict(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_clear_keys_are_sealed_and_the_reverse_opens_them_back(head, other_head):
    migrate(CLEAR)
    try:
        # What django-otp wrote before: the secrets in hex.
        TOTPDevice.objects.create(user=head, name="app", key=HEAD_KEY, confirmed=True)
        TOTPDevice.objects.create(user=other_head, name="app", key=OTHER_KEY, confirmed=True)
        assert stored_keys() == {head.pk: HEAD_KEY, other_head.pk: OTHER_KEY}
        migrate(SEALED)
    finally:
        migrate(SEALED)
    stored = stored_keys()
    assert HEAD_KEY not in repr(stored) and OTHER_KEY not in repr(stored)
    assert all(totp_keys.is_sealed(key) for key in stored.values())
    # The heads' phones keep working: the same secret checks the same code.
    device = SealedTOTPDevice.objects.get(user=head)
    assert device.bin_key.hex() == HEAD_KEY
    totp = TOTP(bytes.fromhex(HEAD_KEY), 30, 0, 6, 0)
    totp.time = time.time()
    assert device.verify_token(f"{totp.token():06d}")
    # Reversible while the keys are configured; forward again, nothing is sealed twice.
    migrate(CLEAR)
    try:
        assert stored_keys() == {head.pk: HEAD_KEY, other_head.pk: OTHER_KEY}
    finally:
        migrate(SEALED)
    assert SealedTOTPDevice.objects.get(user=other_head).bin_key.hex() == OTHER_KEY


_SQLITE_SCRIPT = """
import json
import os
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

def keys():
    with connection.cursor() as cursor:
        cursor.execute('SELECT user_id, "key" FROM otp_totp_totpdevice ORDER BY id')
        return cursor.fetchall()

call_command("migrate", verbosity=0)
call_command("migrate", "staff", "0006_membership_roles", verbosity=0)
for name, key in (("chef", os.environ["HEAD_KEY"]), ("autre.chef", os.environ["OTHER_KEY"])):
    TOTPDevice.objects.create(user=User.objects.create(username=name), name="app", key=key)
clear = keys()
call_command("migrate", "staff", verbosity=0)
sealed = keys()
call_command("migrate", "staff", "0006_membership_roles", verbosity=0)
reversed_ = keys()
call_command("migrate", "staff", verbosity=0)
print(json.dumps({"vendor": connection.vendor, "clear": clear, "sealed": sealed, "reversed": reversed_}))
"""


def test_on_sqlite_the_same_migration_seals_and_reverses(tmp_path, settings):
    otp_key = "sqlite-otp-key-" + "s" * 60
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TELESERVICES_DATABASE_URL"}}
    env.update(
        TSADMIN_ENV="test",
        TSADMIN_VAR_DIR=str(tmp_path),
        OTP_ENCRYPTION_KEYS=otp_key,
        HEAD_KEY=HEAD_KEY,
        OTHER_KEY=OTHER_KEY,
    )
    result = subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "shell", "-c", _SQLITE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["vendor"] == "sqlite"
    assert [key for _, key in found["clear"]] == [HEAD_KEY, OTHER_KEY]
    assert HEAD_KEY not in repr(found["sealed"]) and OTHER_KEY not in repr(found["sealed"])
    settings.OTP_ENCRYPTION_KEYS = [otp_key]
    opened = [totp_keys.totp_key_open(key, user_id=uid).hex() for uid, key in found["sealed"]]
    assert opened == [HEAD_KEY, OTHER_KEY]
    assert found["reversed"] == found["clear"]
    # What the file keeps at the end: sealed.
    with sqlite3.connect(tmp_path / "siecle.sqlite3") as db:
        rows = db.execute('SELECT "key" FROM otp_totp_totpdevice').fetchall()
    assert len(rows) == 2 and all(totp_keys.is_sealed(key) for (key,) in rows)

"""The migration that sealed the codes once stored in clear (codes 0004), on a table with rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from codes import sealing
from codes.models import ActivationCode
from codes.tests.factories import make_pair
from replication.journal import installed_triggers, trigger_names
from replication.models import Change

pytestmark = pytest.mark.django_db(transaction=True)

CLEAR = [("codes", "0003_event_password_reset")]
SEALED = [("codes", "0004_seal_code_values"), ("replication", "0006_code_triggers_after_sealing")]
ROWS = 5003  # more than one batch of 5,000


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def columns() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM car_activationcode WHERE 1 = 0")
        return [c[0] for c in cursor.description]


def test_clear_codes_are_sealed_in_batches_and_the_clear_column_is_dropped(school):
    link = make_pair(school)
    migrate(CLEAR)
    try:
        assert "value" in columns()
        at = timezone.now() - datetime.timedelta(days=3)
        clear = [f"1{n:012d}" for n in range(ROWS)]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO car_activationcode (kind, school_id, student_id, link_id, value, is_valid, created_at, "
                "changed_at, change_kind, notification_mode) VALUES ('R', %s, %s, %s, %s, %s, %s, %s, 'creation', '')",
                [(school.pk, link.student_id, link.pk, v, n == ROWS - 1, at, at) for n, v in enumerate(clear)],
            )
        migrate(SEALED)
    finally:
        migrate(SEALED)
    assert "value" not in columns() and {"value_sealed", "value_lookup"} <= set(columns())
    with connection.cursor() as cursor:
        cursor.execute("SELECT value_sealed, value_lookup FROM car_activationcode WHERE kind = 'R' ORDER BY id")
        stored = cursor.fetchall()
    assert len(stored) == ROWS
    dump = repr(stored)
    assert clear[0] not in dump and clear[-1] not in dump
    assert [sealing.unseal(s) for s, _ in stored] == clear
    assert [lookup for _, lookup in stored] == [sealing.lookup(v) for v in clear]
    # The replication's objects on the table survived the rebuild and journal the new columns.
    assert set(trigger_names("car_activationcode")) <= installed_triggers(connection)
    Change.objects.all().delete()
    valid = ActivationCode.objects.get(is_valid=True, kind="R")
    assert valid.value == clear[-1] and valid.link_id == link.pk
    ActivationCode.objects.filter(pk=valid.pk).update(is_valid=False)
    assert Change.objects.filter(label="car_activationcode", row_id=valid.pk).exists()

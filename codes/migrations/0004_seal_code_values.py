"""Activation codes at rest: seal every stored code, keep its keyed lookup hash, drop the clear column.

Steps: two nullable columns; every row sealed in batches of 5,000 (one UPDATE … FROM VALUES
each, PostgreSQL and SQLite alike, the keys of the settings: CODES_ENCRYPTION_KEYS, CODES_LOOKUP_KEY);
the clear column dropped; the new columns made mandatory, the lookup unique. Reversible (the
reverse decrypts back into a `value` column), as long as the keys are configured.

Dropping a column rebuilds the table on SQLite, which loses the objects the `codes` models do
not know about: the replication's journal triggers and its continuity index are installed again
by `replication.0006_code_triggers_after_sealing` (on PostgreSQL too, where the triggers'
functions named the dropped column), which `migrate` runs right after this one.
"""

from django.db import migrations, models

BATCH = 5000
TABLE = "car_activationcode"


def seal_clear_values(apps, schema_editor):
    from codes.rotation import write_sealed
    from codes.sealing import keyring, sealed_pair

    ring = keyring()
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, value FROM {TABLE} WHERE id > %s AND value_lookup IS NULL ORDER BY id LIMIT %s",  # noqa: S608
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            write_sealed(cursor, [(pk, *sealed_pair(value, ring=ring)) for pk, value in rows])
            last = rows[-1][0]


def unseal_to_clear(apps, schema_editor):
    from codes.sealing import keyring, unseal

    ring = keyring()
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, value_sealed FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                f"UPDATE {TABLE} SET value = %s WHERE id = %s",  # noqa: S608
                [(unseal(token, ring=ring), pk) for pk, token in rows],
            )
            last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0003_event_password_reset"),
    ]

    operations = [
        migrations.AddField(
            model_name="activationcode",
            name="value_sealed",
            field=models.CharField(editable=False, max_length=100, null=True, verbose_name="code chiffré"),
        ),
        migrations.AddField(
            model_name="activationcode",
            name="value_lookup",
            field=models.CharField(editable=False, max_length=32, null=True, verbose_name="empreinte du code"),
        ),
        migrations.RunPython(seal_clear_values, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(model_name="activationcode", name="code_value_not_empty"),
        migrations.AlterField(
            model_name="activationcode",
            name="value",
            field=models.CharField(max_length=13, null=True, unique=True, verbose_name="code"),
        ),
        migrations.RunPython(migrations.RunPython.noop, unseal_to_clear, elidable=False),
        migrations.RemoveField(model_name="activationcode", name="value"),
        migrations.AlterField(
            model_name="activationcode",
            name="value_sealed",
            field=models.CharField(editable=False, max_length=100, verbose_name="code chiffré"),
        ),
        migrations.AlterField(
            model_name="activationcode",
            name="value_lookup",
            field=models.CharField(editable=False, max_length=32, unique=True, verbose_name="empreinte du code"),
        ),
        migrations.AddConstraint(
            model_name="activationcode",
            constraint=models.CheckConstraint(condition=~models.Q(value_sealed=""), name="code_sealed_not_empty"),
        ),
        migrations.AddConstraint(
            model_name="activationcode",
            constraint=models.CheckConstraint(condition=~models.Q(value_lookup=""), name="code_lookup_not_empty"),
        ),
    ]

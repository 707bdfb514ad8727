"""Drop the `varchar_pattern_ops` index Django adds beside `portal_code.digest`'s unique one.

On PostgreSQL a unique CharField gets two indexes: the unique constraint's (used by every
lookup, which is by equality: `digest = %s`) and a `…_like` one for `LIKE 'prefix%'`, which no
query of the project makes. Digests are random: each index costs a random insertion per
copied code, and the first load rebuilds both. This one goes. Django's model state is
unchanged (it never tracks the `_like` index), so `makemigrations --check` stays clean; the
name is found in the catalogue, not guessed. Nothing to do on SQLite (no such index).
"""

from django.db import migrations

_FIND = (
    "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
    "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_opclass o ON o.oid = x.indclass[0] "
    "WHERE t.relname = 'portal_code' AND o.opcname = 'varchar_pattern_ops'"
)


def _drop_like(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_FIND)
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _restore_like(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS portal_code_digest_like ON portal_code (digest varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_consultation_tables"),
    ]

    operations = [
        migrations.RunPython(_drop_like, _restore_like),
    ]

"""The codes table's journal triggers and continuity index, again, after `codes.0004` sealed the codes.

That migration dropped the clear `value` column: on SQLite the table was rebuilt (its triggers and
this app's index went with the old table); on PostgreSQL the triggers' functions still named the
dropped column. The UPDATE trigger now watches `value_lookup` (a code's value changes only with
its lookup hash; a key rotation, which rewrites `value_sealed` alone, journals nothing).
"""

from django.db import migrations

TABLE = "car_activationcode"


def install(apps, schema_editor):
    from replication.journal import journal_install

    journal_install(schema_editor, tables=[TABLE])
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS repl_code_continuity_idx ON {TABLE} (continuity_at) "
        "WHERE continuity_at IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0005_consultation_journal"),
        ("codes", "0004_seal_code_values"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop, elidable=False)]

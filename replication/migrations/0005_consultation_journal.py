"""Journal triggers on the consultation tables (replication/journal.py)."""

from django.db import migrations

TABLES = [
    "consultation_absence",
    "consultation_evaluation",
    "consultation_mark",
    "consultation_competencevalidation",
    "consultation_b2ivalidation",
]


def install(apps, schema_editor):
    from replication.journal import journal_install

    journal_install(schema_editor, tables=TABLES)


def uninstall(apps, schema_editor):
    from replication.journal import journal_uninstall

    journal_uninstall(schema_editor, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0004_run_as_of"),
        ("consultation", "0001_consultation_data"),
    ]

    operations = [migrations.RunPython(install, uninstall)]

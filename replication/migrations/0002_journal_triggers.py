"""Journal triggers on every SIECLE table the families' side needs (replication/journal.py).

The list of tables is frozen here; a table journaled later gets its own migration.
"""

from django.db import migrations

TABLES = [
    "siecle_academy",
    "siecle_school",
    "siecle_mef",
    "siecle_division",
    "siecle_student",
    "siecle_guardian",
    "siecle_guardianlink",
    "car_activationcode",
    "car_accessrefusal",
    "services_schoolsettings",
    "services_servicestate",
    "services_notespublicationdate",
]


def install(apps, schema_editor):
    from replication.journal import journal_install

    journal_install(schema_editor, tables=TABLES)


def uninstall(apps, schema_editor):
    from replication.journal import journal_uninstall

    journal_uninstall(schema_editor, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0001_journal_and_runs"),
        ("siecle", "0001_initial"),
        ("codes", "0001_initial"),
        ("services", "0003_letter_signatory"),
    ]

    operations = [migrations.RunPython(install, uninstall)]

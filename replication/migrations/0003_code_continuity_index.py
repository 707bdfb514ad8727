"""An index for the run's continuity attachments (replication.continuity.continuity_attach).

Each run looks for the valid codes with a recent continuity date and an account: without this
index that read went through every code carrying an account (half a million at the academy's
scale) on every run, nightly ones included. Partial: only codes with a continuity date, a few.
Like the journal's triggers, it is the replication's own object on a SIECLE table, outside the
`codes` models' state (raw SQL, valid on PostgreSQL and SQLite).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("replication", "0002_journal_triggers"),
        ("codes", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS repl_code_continuity_idx ON car_activationcode (continuity_at) "
            "WHERE continuity_at IS NOT NULL",
            "DROP INDEX IF EXISTS repl_code_continuity_idx",
        ),
    ]

"""The staff's TOTP secrets at rest: the proxy model that seals them, and every stored secret sealed.

django-otp wrote each device's secret in hex into `otp_totp_totpdevice.key`; this migration
replaces each one by its sealed token (staff.security.totp_keys, keys OTP_ENCRYPTION_KEYS of
the environment: set the production keys before migrating). Plain SQL through the migration's
connection, PostgreSQL and SQLite alike; a row already sealed is left as it is, so running it
on a partly sealed table is safe. Reversible while the keys are configured: the reverse opens
every secret back into django-otp's hex. Nobody enrols again: the secrets do not change.
"""

from django.db import migrations


def seal_clear_keys(apps, schema_editor):
    from staff.security.totp_keys import totp_keys_seal_clear

    with schema_editor.connection.cursor() as cursor:
        totp_keys_seal_clear(cursor)


def unseal_keys(apps, schema_editor):
    from staff.security.totp_keys import totp_keys_unseal

    with schema_editor.connection.cursor() as cursor:
        totp_keys_unseal(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("otp_totp", "0003_add_timestamps"),
        ("staff", "0006_membership_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="SealedTOTPDevice",
            fields=[],
            options={
                "verbose_name": "application d'authentification",
                "verbose_name_plural": "applications d'authentification (second facteur)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_clear_keys, unseal_keys, elidable=False),
    ]

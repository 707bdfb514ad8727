"""Roles per school (SchoolMembership.role) and writing rights of academy staff (can_write).

Existing school memberships were heads with every right: they become "chef". New memberships
default to "consultation" (least privilege): every code path that grants a school names its
role. Existing academy memberships become read-only, as the academy's staff are unless granted.
"""

from django.db import migrations, models

ROLE_CHOICES = [("chef", "chef d'établissement"), ("adjoint", "adjoint"), ("consultation", "consultation")]
ROLE_HELP = (
    "Chef d'établissement : tout. Adjoint : tout sauf activer les téléservices, ouvrir ou fermer un service et "
    "importer SIECLE. Consultation : listes et statistiques, sans aucune valeur de code."
)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0005_membership_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="academymembership",
            name="can_write",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Décoché : consultation seule (listes et statistiques, sans valeur de code). Coché : les mêmes "
                    "droits qu'un chef d'établissement dans chaque établissement de l'académie."
                ),
                verbose_name="peut agir dans les établissements",
            ),
        ),
        # The rows that exist get "chef" (what they could do until now)...
        migrations.AddField(
            model_name="schoolmembership",
            name="role",
            field=models.CharField(choices=ROLE_CHOICES, default="chef", max_length=12, verbose_name="rôle"),
            preserve_default=False,
        ),
        # ...and the default of new rows is the least privilege.
        migrations.AlterField(
            model_name="schoolmembership",
            name="role",
            field=models.CharField(
                choices=ROLE_CHOICES,
                default="consultation",
                help_text=ROLE_HELP,
                max_length=12,
                verbose_name="rôle",
            ),
        ),
    ]

"""Print the psql script of the least-privilege database roles (docs/deploy.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from replication.roles import roles_sql


class Command(BaseCommand):
    help = (
        "Affiche le script psql des rôles PostgreSQL à moindre privilège (site des personnels, "
        "portail des familles, réplication), à exécuter une fois en superutilisateur."
    )

    def add_arguments(self, parser):
        parser.add_argument("--prefix", default="tsadmin", help="préfixe des noms de rôles (défaut : tsadmin)")

    def handle(self, *args, prefix: str, **options):
        siecle, teleservices = connections["default"], connections["teleservices"]
        if siecle.vendor != "postgresql" or teleservices.vendor != "postgresql":
            raise CommandError("Les rôles concernent PostgreSQL : les deux bases doivent être sur PostgreSQL.")
        try:
            script = roles_sql(
                siecle_db=siecle.settings_dict["NAME"],
                teleservices_db=teleservices.settings_dict["NAME"],
                prefix=prefix,
            )
        except ValueError as error:
            raise CommandError(f"Nom de base ou préfixe refusé : {error}") from error
        self.stdout.write(script, ending="")

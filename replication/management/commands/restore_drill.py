"""The backup and restore drill of both databases (docs/deploy.md "Backups").

Dumps the SIECLE base and the téléservices database with `pg_dump -Fc` (what the nightly
backup does), restores each into a scratch database, and checks the restored pair: no
migration missing, the same rows in every table, and the replication's per-table checksums
equal between the restored SIECLE base and the restored téléservices database. The scratch
databases are dropped at the end (`--keep` keeps them). Exit status 1 when a check fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def _conninfo(settings_dict: dict, name: str | None = None) -> dict:
    return {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": str(settings_dict.get("PORT") or 5432),
        "user": settings_dict.get("USER") or "postgres",
        "dbname": name or settings_dict["NAME"],
    }


def _env(info: dict, password: str | None) -> dict:
    env = {**os.environ, "PGHOST": info["host"], "PGPORT": info["port"], "PGUSER": info["user"]}
    if password:
        env["PGPASSWORD"] = password
    return env


def _tables_rows(info: dict, password: str | None) -> dict[str, int]:
    with psycopg.connect(**info, password=password or None, autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}  # noqa: S608


class Command(BaseCommand):
    help = (
        "Exercice de sauvegarde et de restauration des deux bases : pg_dump, restauration dans des "
        "bases de secours, vérification (migrations, lignes par table, sommes de contrôle de la réplication)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="garder les bases restaurées")
        parser.add_argument("--dump-dir", default="", help="dossier où garder les sauvegardes (défaut : temporaire)")

    def handle(self, *args, keep: bool, dump_dir: str, **options):
        for alias in ("default", "teleservices"):
            if connections[alias].vendor != "postgresql":
                raise CommandError("L'exercice de restauration concerne PostgreSQL : les deux bases doivent y être.")
        pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
        if not pg_dump or not pg_restore:
            raise CommandError("pg_dump et pg_restore sont introuvables (paquet postgresql-client).")
        folder = Path(dump_dir) if dump_dir else Path(tempfile.mkdtemp(prefix="tsadmin-drill-"))
        folder.mkdir(parents=True, exist_ok=True)
        restored: dict[str, dict] = {}
        failures: list[str] = []
        started = time.monotonic()
        try:
            for alias, label in (("default", "base SIECLE"), ("teleservices", "base des téléservices")):
                s = connections[alias].settings_dict
                source = _conninfo(s)
                password = s.get("PASSWORD") or None
                env = _env(source, password)
                dump = folder / f"{alias}.dump"
                subprocess.run(  # noqa: S603 — pg_dump of our own database
                    [pg_dump, "-Fc", "--no-owner", "-f", str(dump), source["dbname"]], env=env, check=True
                )
                scratch = f"{source['dbname']}_drill"[:63]
                with psycopg.connect(**source, password=password, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
                    conn.execute(f'CREATE DATABASE "{scratch}"')
                target = _conninfo(s, scratch)
                restored[alias] = target
                subprocess.run(  # noqa: S603 — pg_restore into the scratch database
                    [pg_restore, "--no-owner", "--exit-on-error", "-d", scratch, str(dump)], env=env, check=True
                )
                before, after = _tables_rows(source, password), _tables_rows(target, password)
                differ = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
                size = dump.stat().st_size
                self.stdout.write(
                    f"{label} : sauvegarde {size / 1e6:.1f} Mo, {len(after)} tables, "
                    f"{sum(after.values())} lignes restaurées"
                )
                if differ:
                    failures.append(f"{label} : lignes différentes dans {', '.join(differ[:10])}")
            failures += self._check_restored_pair(restored)
        finally:
            if not keep:
                for alias, target in restored.items():
                    s = connections[alias].settings_dict
                    with psycopg.connect(**_conninfo(s), password=s.get("PASSWORD") or None, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{target["dbname"]}"')
            if not dump_dir:
                shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write(f"Durée : {time.monotonic() - started:.1f} s.")
        if failures:
            for line in failures:
                self.stdout.write(f"ÉCHEC : {line}")
            raise SystemExit(1)
        self.stdout.write("Restauration vérifiée : les deux bases restaurées sont complètes et cohérentes entre elles.")

    def _check_restored_pair(self, restored: dict[str, dict]) -> list[str]:
        """Migrations and replication checksums, read from the restored databases (a subprocess
        with both URLs pointing at them: this process keeps its own connections)."""
        urls = {a: f"postgres://{t['user']}@{t['host']}:{t['port']}/{t['dbname']}" for a, t in restored.items()}
        env = {**os.environ, "DATABASE_URL": urls["default"], "TELESERVICES_DATABASE_URL": urls["teleservices"]}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        failures = []
        manage = Path(__file__).resolve().parents[3] / "manage.py"
        for args, what in (
            (["migrate", "--check", "--plan"], "migrations de la base SIECLE restaurée"),
            (["migrate", "--check", "--plan", "--database", "teleservices"], "migrations de la base des téléservices"),
            (
                [
                    "shell",
                    "-c",
                    "from replication.checksums import checksums_compare; d = checksums_compare(); "
                    "print('checksums', 'ok' if not d else sorted(d)); raise SystemExit(1 if d else 0)",
                ],
                "sommes de contrôle de la réplication entre les deux bases restaurées",
            ),
        ):
            result = subprocess.run(  # noqa: S603 — our own manage.py
                [sys.executable, str(manage), *args], env=env, capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                failures.append(f"{what} : {(result.stdout + result.stderr).strip().splitlines()[-1:]}")
            else:
                self.stdout.write(f"{what} : conformes")
        return failures

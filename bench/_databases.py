"""Databases of a benchmark's own, Django set up on them, and the process's peak memory.

Shared by the benchmarks that seed a demo academy (bench/replication.py, bench/consultation.py):
each gets two fresh databases, `<bench database>_<suffix>` and `<bench database>_<suffix>_ts`,
dropped at the end unless kept.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path


def own_databases(suffix: str, *, keep: bool = False) -> tuple[str, tuple[str, str]]:
    """Point DATABASE_URL and TELESERVICES_DATABASE_URL at fresh databases of this bench."""
    import psycopg

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tsadmin_bench")
    server, name = base_url.rsplit("/", 1)
    names = (f"{name}_{suffix}", f"{name}_{suffix}_ts")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for db in names:
            if keep and db in existing:
                continue
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}"')
    os.environ["DATABASE_URL"] = f"{server}/{names[0]}"
    os.environ["TELESERVICES_DATABASE_URL"] = f"{server}/{names[1]}"
    return server, names


def drop(server: str, names: tuple[str, str]) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for db in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    os.environ.setdefault("TSADMIN_ENV", "test")
    import django

    django.setup()


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed_or_reuse(*, schools: int, students: int, keep: bool) -> None:
    """Migrate both databases, then seed a demo academy, or reuse the one a kept bench left
    (`keep`: only the téléservices side's copied tables are emptied, for a new first load)."""
    import time

    from django.core.management import call_command
    from django.db import connection, connections

    from replication.tables import copied_tables
    from siecle.models import School

    call_command("migrate", verbosity=0)
    call_command("migrate", database="teleservices", verbosity=0)
    if keep and School.objects.exists():
        print(f"reusing the seeded databases ({School.objects.count()} schools)")
        with connections["teleservices"].cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(t.table for t in copied_tables(connection.vendor)))
        return
    start = time.perf_counter()
    call_command("seed_demo", "--schools", str(schools), "--students", str(students), verbosity=0)
    print(f"seed_demo --schools {schools} --students {students}: {time.perf_counter() - start:.1f} s")


def in_own_databases(suffix: str, bench, *, keep: bool = False) -> None:
    """Run `bench()` with Django set up on this bench's own databases, dropped after unless kept."""
    server, names = own_databases(suffix, keep=keep)
    try:
        setup_django()
        bench()
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop(server, names)

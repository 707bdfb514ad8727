"""The least-privilege roles of docs/deploy.md, applied by psql to the test databases.

Each role is checked with SET ROLE (privileges are enforced whatever the authentication): the
families' site cannot open the SIECLE base nor write a copied table; the staff site inserts
nothing on the families' side and cannot read the outbox; the replication owns the
téléservices tables. The roles are dropped and ownership given back afterwards.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])


def _dsn(alias: str) -> str:
    s = connections[alias].settings_dict
    return f"host={s.get('HOST') or '127.0.0.1'} port={s.get('PORT') or 5432} user={s.get('USER') or 'postgres'} dbname={s['NAME']}"


def _denied(conn: psycopg.Connection, role: str, sql: str) -> bool:
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        try:
            with conn.transaction():
                cursor.execute(sql)
        except psycopg.errors.InsufficientPrivilege:
            return True
        return False


@pytest.fixture
def roles(capsys):
    if connections["default"].vendor != "postgresql":
        pytest.fail("the roles are PostgreSQL's: make test runs on PostgreSQL")
    prefix = f"tsr_{secrets.token_hex(3)}"
    call_command("db_roles", prefix=prefix)
    script = capsys.readouterr().out
    s = connections["default"].settings_dict
    env = {**os.environ, "PGHOST": s.get("HOST") or "127.0.0.1", "PGPORT": str(s.get("PORT") or 5432)}
    for alias in ("default", "teleservices"):
        connections[alias].close()
    result = subprocess.run(  # noqa: S603 — psql with our own generated script
        ["/usr/bin/psql", "-X", "-q", "-U", s.get("USER") or "postgres", "-d", s["NAME"]],
        input=script,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    yield prefix
    names = [f"{prefix}_{r}" for r in ("web", "portal", "replication")]
    for alias in ("default", "teleservices"):
        with psycopg.connect(_dsn(alias), autocommit=True) as conn:
            conn.execute(f"REASSIGN OWNED BY {', '.join(names)} TO CURRENT_USER")
            conn.execute(f"DROP OWNED BY {', '.join(names)}")
            conn.execute(f"GRANT CONNECT ON DATABASE {connections[alias].settings_dict['NAME']} TO PUBLIC")
            conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
    with psycopg.connect(_dsn("default"), autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP ROLE {name}")


def test_the_families_site_role_cannot_open_the_siecle_base_nor_write_what_is_copied(roles):
    portal = f"{roles}_portal"
    siecle = connections["default"].settings_dict["NAME"]
    teleservices = connections["teleservices"].settings_dict["NAME"]
    with psycopg.connect(_dsn("teleservices")) as conn:
        (can_siecle, can_ts) = conn.execute(
            "SELECT has_database_privilege(%s, %s, 'CONNECT'), has_database_privilege(%s, %s, 'CONNECT')",
            [portal, siecle, portal, teleservices],
        ).fetchone()
        assert (can_siecle, can_ts) == (False, True)
        assert not _denied(conn, portal, "SELECT digest FROM portal_code LIMIT 1")
        assert _denied(
            conn,
            portal,
            "INSERT INTO portal_school (id, uaj, academy_code, name, address_line1, "
            "address_line2, postcode, city, phone, welcome_html, contact_active, contact_email, notes_mode, "
            "lpc_delay_days, services, replicated_at) VALUES (1, 'X', 'X', 'X', '', '', '', '', '', '', "
            "false, '', '', 8, '[]', now())",
        )
        assert _denied(conn, portal, "DELETE FROM portal_code")
        assert _denied(conn, portal, "UPDATE portal_student SET access_refused = false")
        assert not _denied(
            conn, portal, "INSERT INTO portal_outbox (kind, code_id, at, payload) VALUES ('usage', 1, now(), '{}')"
        )
        assert not _denied(conn, portal, "DELETE FROM portal_familysession")


def test_the_staff_site_role_reads_accounts_revokes_and_inserts_nothing_on_the_families_side(roles):
    web = f"{roles}_web"
    with psycopg.connect(_dsn("teleservices")) as conn:
        assert not _denied(conn, web, "SELECT login FROM portal_account LIMIT 1")
        assert not _denied(conn, web, "DELETE FROM portal_code WHERE id = -1")
        assert not _denied(conn, web, "UPDATE portal_student SET access_refused = true WHERE id = -1")
        assert _denied(
            conn, web, "INSERT INTO portal_outbox (kind, code_id, at, payload) VALUES ('usage', 1, now(), '{}')"
        )
        assert _denied(conn, web, "SELECT * FROM portal_outbox")
        assert _denied(conn, web, "DELETE FROM portal_school")
        assert _denied(conn, web, "SELECT * FROM portal_mark")
    with psycopg.connect(_dsn("default")) as conn:
        assert not _denied(conn, web, "SELECT 1 FROM car_activationcode LIMIT 1")


def test_the_replication_role_owns_the_teleservices_tables(roles):
    repl = f"{roles}_replication"
    with psycopg.connect(_dsn("teleservices")) as conn:
        owners = {row[0] for row in conn.execute("SELECT tableowner FROM pg_tables WHERE tablename LIKE 'portal_%'")}
        assert owners == {repl}
        assert not _denied(conn, repl, "ALTER TABLE portal_code DROP CONSTRAINT portal_code_digest_key")


def _as(role: str, code: str, *args: str) -> subprocess.CompletedProcess:
    """`manage.py` in a subprocess whose connections to both databases log in as `role`."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    urls = {}
    for alias, var in (("default", "DATABASE_URL"), ("teleservices", "TELESERVICES_DATABASE_URL")):
        s = connections[alias].settings_dict
        urls[var] = f"postgres://{role}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | urls
    command = [*args] if args else ["shell", "-c", code]
    return subprocess.run(  # noqa: S603 — our own manage.py
        [sys.executable, str(root / "manage.py"), *command],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.e2e
def test_the_replication_and_the_staff_site_work_under_their_roles(academy, roles):
    from codes.models import ActivationCode, CodeKind
    from portal import models as ts

    result = _as(f"{roles}_replication", "", "replicate", "--full", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    code = ActivationCode.objects.get(link=academy.legal1, kind=CodeKind.CAR, is_valid=True)
    assert ts.Code.objects.filter(pk=code.pk).exists()
    # The staff site reads an account block and revokes a code under its own role.
    result = _as(
        f"{roles}_web",
        "from portal.selectors import account_block; from replication.revocations import revocations_apply; "
        f"print(account_block(code_ids=[{code.pk}]).has_account, revocations_apply(code_ids=[{code.pk}])['codes'])",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False 1"
    assert not ts.Code.objects.filter(pk=code.pk).exists()
    # The portal's role cannot even open the SIECLE base.
    result = _as(f"{roles}_portal", "from siecle.models import School; print(School.objects.count())")
    assert result.returncode != 0 and "permission denied for database" in result.stderr

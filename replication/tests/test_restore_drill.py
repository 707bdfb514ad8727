"""The backup and restore drill, as CI runs it (scripts/restore-drill.sh → manage.py restore_drill)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import _test_database_url

from .conftest import replicate

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])]


def _drill(**env_extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=_test_database_url("default"),
        TELESERVICES_DATABASE_URL=_test_database_url("teleservices"),
        **env_extra,
    )
    return subprocess.run(  # noqa: S603 — our own script
        ["/bin/bash", str(ROOT / "scripts" / "restore-drill.sh")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_both_databases_are_backed_up_restored_and_found_complete_and_consistent(academy):
    replicate(full=True)
    result = _drill()
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "base SIECLE : sauvegarde" in out and "base des téléservices : sauvegarde" in out
    assert "sommes de contrôle de la réplication entre les deux bases restaurées : conformes" in out
    assert "Restauration vérifiée" in out


def test_the_drill_fails_when_the_restored_pair_is_not_consistent(academy):
    # No run yet: the téléservices side is empty while the SIECLE base has activated schools.
    result = _drill()
    assert result.returncode == 1
    assert "ÉCHEC : sommes de contrôle" in result.stdout

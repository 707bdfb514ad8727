"""The code models moved from `car` to `codes` without touching their tables."""

import pytest
from django.db import connection, router
from django.db.migrations.executor import MigrationExecutor

from codes.models import AccessRefusal, ActivationCode, CodeEvent


def test_the_models_belong_to_codes_and_keep_their_tables():
    tables = {m._meta.label: m._meta.db_table for m in (ActivationCode, CodeEvent, AccessRefusal)}
    assert tables == {
        "codes.ActivationCode": "car_activationcode",
        "codes.CodeEvent": "car_codeevent",
        "codes.AccessRefusal": "car_accessrefusal",
    }
    assert {router.db_for_write(m) for m in (ActivationCode, CodeEvent, AccessRefusal)} == {"default"}


@pytest.mark.django_db
def test_the_move_writes_no_sql():
    """codes.0001 and car.0002 only change Django's state: no table is created, renamed or dropped."""
    executor = MigrationExecutor(connection)

    def sql_of(app: str, name: str) -> list[str]:
        migration = executor.loader.get_migration(app, name)
        state = executor.loader.project_state((app, name), at_end=False)
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            migration.apply(state, editor, collect_sql=True)
        return [s for s in editor.collected_sql if not s.startswith("--")]

    assert any("CREATE TABLE" in s for s in sql_of("car", "0001_initial"))  # the tables are born there
    assert sql_of("codes", "0001_initial") == []
    assert sql_of("car", "0002_codes_models_moved_to_codes") == []

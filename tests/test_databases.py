"""Where each app's tables live: the families' data is kept apart from the SIECLE base."""

import pytest
from django.apps import apps
from django.db import connections, router
from django.db.utils import DatabaseError

from portal.models import Account
from siecle.factories import StudentFactory
from siecle.models import Student
from tsadmin.routers import DEFAULT_DB, TELESERVICES_DB

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB, TELESERVICES_DB], transaction=True)


def _tables(alias):
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor))


def test_each_model_table_exists_only_in_its_database():
    default_tables, ts_tables = _tables(DEFAULT_DB), _tables(TELESERVICES_DB)
    for model in apps.get_models():
        table = model._meta.db_table
        if model._meta.app_label == "portal":
            assert table in ts_tables, table
            assert table not in default_tables, table
        else:
            assert table in default_tables, table
            assert table not in ts_tables, table


def test_router_sends_portal_to_teleservices_and_the_rest_to_default():
    assert router.db_for_write(Account) == TELESERVICES_DB
    assert router.db_for_read(Account) == TELESERVICES_DB
    assert router.db_for_write(Student) == DEFAULT_DB
    assert router.allow_migrate(TELESERVICES_DB, "siecle") is False
    assert router.allow_migrate(DEFAULT_DB, "portal") is False


def test_account_is_written_to_teleservices():
    Account.objects.create(login="famille.dupont", password="x", kind=Account.Kind.GUARDIAN)
    with connections[TELESERVICES_DB].cursor() as cursor:
        cursor.execute("SELECT login FROM portal_account")
        assert cursor.fetchall() == [("famille.dupont",)]


def test_writing_siecle_data_into_the_teleservices_base_is_refused():
    student = Student(school_id=1, siecle_id="1", last_name="Intrus", first_name="Ève")
    with pytest.raises(DatabaseError):
        Student.objects.using(TELESERVICES_DB).bulk_create([student])


def test_writing_portal_data_into_the_siecle_base_is_refused():
    with pytest.raises(DatabaseError):
        Account.objects.using(DEFAULT_DB).create(login="intrus", password="x", kind=Account.Kind.GUARDIAN)


def test_relations_across_databases_are_refused():
    student = StudentFactory()
    account = Account.objects.create(login="a", password="x", kind=Account.Kind.STUDENT)
    assert router.allow_relation(student, account) is False
    assert router.allow_relation(student, student.school) is True

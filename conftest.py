"""Fixtures shared by every app: two schools, their heads, an outsider.

The databases are the real ones configured by the environment (PostgreSQL in `make test`
and CI). Tests that touch the téléservices base declare it (`databases=["default",
"teleservices"]` or `@pytest.mark.django_db(databases="__all__")`).
"""

import pytest
from django.test import Client

from siecle.factories import SchoolFactory
from staff.services import staff_user_create_or_update

PASSWORD = "Un-mot-de-passe-solide-42"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def school(db):
    return SchoolFactory(name="Collège Jean Moulin")


@pytest.fixture
def other_school(db, school):
    return SchoolFactory(name="Lycée Marie Curie", academy=school.academy)


@pytest.fixture
def head(school):
    """The school head of `school`."""
    user, _ = staff_user_create_or_update(username="chef", password=PASSWORD, schools=[school])
    return user


@pytest.fixture
def other_head(other_school):
    """The head of another school: must never see `school`'s data."""
    user, _ = staff_user_create_or_update(username="autre.chef", password=PASSWORD, schools=[other_school])
    return user


@pytest.fixture
def head_client(head, school) -> Client:
    client = Client()
    client.force_login(head, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = school.pk
    session.save()
    return client


@pytest.fixture
def other_client(other_head, other_school) -> Client:
    client = Client()
    client.force_login(other_head, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = other_school.pk
    session.save()
    return client

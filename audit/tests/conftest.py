"""The journal's fixtures: academy staff, pairs with codes made through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from car.services import car_regenerate
from codes.tests.factories import make_pair
from conftest import MODEL_BACKEND
from staff.services import staff_user_create_or_update


def signed_in(user, school=None, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(user, backend=MODEL_BACKEND)
    if school is not None:
        session = client.session
        session["current_school_id"] = school.pk
        session.save()
    return client


@pytest.fixture
def academy_staff(school):
    user, _ = staff_user_create_or_update(username="dsi", academy=school.academy)
    return user


@pytest.fixture
def pair_with_codes(school, head):
    """A pair whose history holds two codes (the first invalidated by "Nouveau code")."""
    link = make_pair(school, last_name="DURAND")
    car_regenerate(link=link, by=head)
    car_regenerate(link=link, by=head)
    return link

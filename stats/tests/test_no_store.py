"""Statistics pages and their CSV carry family figures: no browser or proxy may keep them.

The school's pages get `Cache-Control: no-store, private` from `school_required`, like every
other school page; the academy table and its exports, which are not a school's pages, from
`never_cache`. Every statistics URL is listed here.
"""

import pytest
from django.urls import reverse

from staff.services import staff_user_create_or_update
from stats.tests.conftest import build_known_school
from stats.tests.test_views import signed_in

pytestmark = pytest.mark.django_db


def _never_stored(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return "no-store" in cache_control and "private" in cache_control


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("stats:students", []),
        ("stats:guardians", []),
        ("stats:export", ["eleves"]),
        ("stats:export", ["responsables"]),
    ],
)
def test_the_schools_statistics_and_their_csv_are_never_stored(head_client, school, name, args):
    build_known_school(school)
    response = head_client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert _never_stored(response), response.get("Cache-Control")


@pytest.mark.parametrize(
    ("name", "table"),
    [("stats:academy", None), ("stats:academy_export", "eleves"), ("stats:academy_export", "responsables")],
)
def test_the_academy_table_and_its_csv_are_never_stored(school, name, table):
    build_known_school(school)
    user, _ = staff_user_create_or_update(username="dsi", academy=school.academy)
    args = [school.academy.code] + ([table] if table else [])
    response = signed_in(user).get(reverse(name, args=args))
    assert response.status_code == 200
    assert school.uaj in (response.content if table is None else b"".join(response.streaming_content)).decode(
        "utf-8-sig"
    )
    assert _never_stored(response), response.get("Cache-Control")

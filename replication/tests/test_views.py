"""The runs page: for the academy's IT staff only, paginated, with counts and errors; the admin reads it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import MODEL_BACKEND
from replication.models import Run
from replication.views import PER_PAGE
from staff.services import staff_user_create_or_update

pytestmark = pytest.mark.django_db

URL = "/replication/"


@pytest.fixture
def it_staff(school):
    user, _ = staff_user_create_or_update(username="dsi", academy=school.academy)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _run(minutes_ago: int, **fields) -> Run:
    start = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    fields.setdefault("status", Run.Status.SUCCEEDED)
    return Run.objects.create(started_at=start, finished_at=start + datetime.timedelta(seconds=3), **fields)


def test_it_shows_the_runs_with_their_counts_and_errors_to_it_staff(it_staff):
    _run(
        30,
        changed=12,
        journal_rows=40,
        counts={"down": {"student": {"upserted": 10, "deleted": 2}}, "up": {"usage": 3, "refused": 1}},
    )
    _run(10, status=Run.Status.FAILED, error="OperationalError: connexion perdue")
    response = it_staff.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    # In French, as the rest of the page (the log's keys are the code's English names).
    assert "élèves : +10 / −2" in text and "Remontée : codes utilisés 3, rejetés 1" in text
    assert "student" not in text and "usage" not in text
    assert "Échouée" in text and "OperationalError: connexion perdue" in text
    assert text.index("Échouée") < text.index("élèves : +10")  # newest first


def test_it_is_paginated(it_staff):
    for i in range(PER_PAGE + 3):
        _run(i + 1)
    first = it_staff.get(URL)
    assert first.content.decode().count('data-testid="run-') == PER_PAGE
    second = it_staff.get(URL + "?page=2")
    assert second.content.decode().count('data-testid="run-') == 3
    assert it_staff.get(URL + "?page=abc").status_code == 200


def test_a_school_head_gets_404_and_no_menu_entry(head_client):
    assert head_client.get(URL).status_code == 404
    assert reverse("replication:runs") not in head_client.get("/").content.decode()


def test_it_staff_find_it_in_the_menu(it_staff, school):
    session = it_staff.session
    session["current_school_id"] = school.pk
    session.save()
    page = it_staff.get("/").content.decode()
    assert f'href="{reverse("replication:runs")}"' in page


def test_it_needs_a_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_admin_reads_the_runs_and_changes_nothing(admin_client):
    run = _run(5, changed=1)
    assert admin_client.get(reverse("admin:replication_run_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:replication_run_change", args=[run.pk])).status_code == 200
    assert admin_client.post(reverse("admin:replication_run_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert Run.objects.filter(pk=run.pk).exists()

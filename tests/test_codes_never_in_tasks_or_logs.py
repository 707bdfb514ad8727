"""Codes never travel through the broker nor the logs: tasks carry ids (docs/codes-at-rest.md)."""

from __future__ import annotations

import inspect
import json
import logging

import pytest
from celery.signals import before_task_publish

from car import services as car_services
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_pair
from services.services import service_open, teleservices_activate
from tsadmin.celery import app

# What a task may take: ids, and a few plain words that are not personal data.
ALLOWED_PARAMETERS = {"kind", "index", "parts", "full", "uajs", "origin"}


def our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_takes_ids_never_a_code():
    tasks = our_tasks()
    assert "notifications.tasks_mail.outbox_send_task" in tasks and "replication.revocations_apply" in tasks
    for name, task in tasks.items():
        for parameter in inspect.signature(task.run).parameters:
            assert parameter.endswith(("_id", "_ids", "ids")) or parameter in ALLOWED_PARAMETERS, (name, parameter)


@pytest.mark.django_db
def test_creating_and_regenerating_codes_sends_and_logs_no_code(
    school, head, caplog, django_capture_on_commit_callbacks
):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    links = [make_pair(school, rank=rank) for rank in (1, 2)]
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, json.dumps(body, default=str)))

    before_task_publish.connect(record, weak=False)
    caplog.set_level(logging.DEBUG)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            car_services.car_create_bulk(school=school, link_ids=[x.pk for x in links], by=head)
        first = {c.value for c in ActivationCode.objects.filter(kind=CodeKind.CAR)}
        with django_capture_on_commit_callbacks(execute=True):
            car_services.car_regenerate(link=links[0], by=head)
    finally:
        before_task_publish.disconnect(record)
    assert len(first) == 2
    assert len({c.value for c in ActivationCode.objects.filter(kind=CodeKind.CAR)} - first) == 1
    every = {c.value for c in ActivationCode.objects.all()}  # the CARs, and the students' CAEs
    # The regeneration revoked the old code on the families' side through the broker: by id.
    assert any(sender == "replication.revocations_apply" for sender, _ in published)
    sent = " ".join(body for _, body in published)
    logged = " ".join(r.getMessage() + repr(r.args) for r in caplog.records)
    for value in every:
        assert value not in sent and value not in logged

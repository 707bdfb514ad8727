"""The application's answers when Redis does not answer, in this process (a port where nothing
listens stands for Redis down: every connection is refused, as after a crash).

- The families' rate limits: codes typed fail closed (the maintenance page), sign-in counts in
  the server's memory with the same limits.
- Queueing a task while the broker is down: e-mails stay in the outbox for the sweep, a
  letters job fails at once with a French reason; job progress falls back to the row.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import Client

from jobs.models import Job, JobState
from jobs.selectors import job_status
from jobs.services import job_claim, job_create, job_progress
from notifications.batches import QUEUE_DOWN_MESSAGE, letters_job_start
from notifications.emails import emails_enqueue
from notifications.models import OutboxMessage, OutboxState
from portal import ratelimit
from portal.tests.factories import PASSWORD, account_factory

from .conftest import families_with_codes, free_port


@pytest.fixture
def redis_down(settings):
    """The cache on a Redis that refuses every connection."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    return url


@pytest.fixture
def broker_down(redis_down, monkeypatch):
    """This process's Celery app on a broker that refuses every connection (its results stay up)."""
    from tsadmin.celery import app

    saved = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", redis_down)  # Celery reads it before its settings
    app.conf.broker_url = redis_down
    app._pool = None  # the pools are made again for the URL of the moment
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url = saved
    app._pool = None
    app.amqp._producer_pool = None


def test_codes_typed_fail_closed_while_the_cache_is_down(redis_down):
    # The portal's MaintenanceMiddleware turns this into its 503 page (test_redis_down.py).
    for scope in ("activation-ip", "activation-account"):
        with pytest.raises(ratelimit.RateLimitUnavailable):
            ratelimit.hit(scope, "127.0.0.1")
    assert ratelimit.hit("signin-ip", "127.0.0.1")  # the other forms keep working


@pytest.mark.django_db(databases="__all__")
@pytest.mark.urls("tsadmin.urls_portal")
def test_sign_in_is_counted_in_memory_while_the_cache_is_down(redis_down, settings):
    settings.PORTAL_RATE_LIMITS = {"signin-login": (3, 900)}
    login = f"parent.{uuid.uuid4().hex[:8]}"
    account_factory(login=login)
    client = Client()
    assert client.post("/connexion/", {"login": login, "password": PASSWORD}).status_code == 302
    for _ in range(3):
        assert client.post("/connexion/", {"login": login, "password": "faux"}).status_code == 200
    limited = client.post("/connexion/", {"login": login, "password": PASSWORD})
    assert limited.status_code == 429 and ratelimit.LIMITED_MESSAGE in limited.content.decode()


@pytest.mark.django_db(transaction=True)
def test_e_mails_queued_while_the_broker_is_down_wait_for_the_sweep(broker_down, school, head, caplog):
    links = families_with_codes(school, head, 3)
    with caplog.at_level(logging.WARNING, logger="notifications.emails"):
        assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head) == 3
    assert "the task queue does not answer; 3 message(s) left to the sweep" in caplog.text
    assert list(OutboxMessage.objects.values_list("state", flat=True)) == [OutboxState.QUEUED] * 3


@pytest.mark.django_db(transaction=True)
def test_a_letters_job_fails_at_once_with_a_french_reason_when_the_broker_is_down(broker_down, school, head):
    links = families_with_codes(school, head, 2)
    job = letters_job_start(school=school, kind="car", ids=[x.pk for x in links], by=head)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.message == QUEUE_DOWN_MESSAGE
    assert job_status(job=job)["state_label"] == "Échec"


@pytest.mark.django_db(transaction=True)
def test_job_progress_goes_to_the_row_while_the_cache_is_down(redis_down, school):
    job = job_create(school=school, kind="test", total=10)
    job_claim(job_id=job.pk)
    job_progress(job_id=job.pk, done=10, total=10, message="Fini bientôt")
    job = Job.objects.get(pk=job.pk)
    status = job_status(job=job)
    assert (status["done"], status["total"], status["message"]) == (10, 10, "Fini bientôt")

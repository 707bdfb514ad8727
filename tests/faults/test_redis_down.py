"""Fault: Redis stopped, then restarted (broker, task results and cache alike).

The admin's web server, a Celery worker and the families' web server reach Redis through a
TCP forwarder (the same Redis databases as the tests'); stopping the forwarder makes Redis
unreachable for them only.

- Admin: "Notifier" by e-mail answers a clear French message, the form and its list stay,
  nothing is written; once Redis is back the same screen sends, the worker (reconnected by
  itself) sends every e-mail once.
- Families: the rate limits' cache failing neither locks them out nor lets them through
  unlimited: sign-in counts in the server's memory (a family signs in, a guesser is stopped
  after the usual failures); typing an activation code fails closed (the maintenance page, no
  code checked) until the cache is back.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from codes.models import ActivationCode, NotificationMode
from conftest import browser_sign_in, click_and_wait, save_screenshot
from jobs.models import Job
from notifications.models import OutboxMessage
from notifications.services import TASKS_UNAVAILABLE
from notifications.tests.conftest import smtp_sink  # noqa: F401 — the fixture is used by name
from portal.ratelimit import LIMITED_MESSAGE
from portal.tests.factories import PASSWORD as FAMILY_PASSWORD
from portal.tests.factories import account_factory, guardian_code

from .conftest import (
    assert_one_valid_car_per_pair,
    assert_sent_equals_outbox,
    families_with_codes,
    poll,
    redis_env,
    start_server,
    start_worker,
    stop,
)

FAMILIES = 6


@pytest.mark.e2e
@pytest.mark.browser
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_admin_says_the_sending_service_is_down_then_sends_once_redis_is_back(
    browser,
    smtp_sink,  # noqa: F811
    purged_queue,
    redis_proxy,
    school,
    head,
):
    links = families_with_codes(school, head, FAMILIES)
    env = redis_env(redis_proxy)
    worker = start_worker(**env)
    server = context = None
    try:
        server, base = start_server(settings_module="tsadmin.settings", **env)
        context = browser.new_context(locale="fr-FR", base_url=base, reduced_motion="reduce")
        page = context.new_page()
        page.set_default_timeout(20_000)
        browser_sign_in(page, "chef")
        page.goto(reverse("notifications:guardians"))
        with page.expect_navigation():
            page.get_by_label("Courrier électronique").check()
        expect(page.locator("[data-testid=pairs] tbody tr")).to_have_count(FAMILIES)

        redis_proxy.stop()  # Redis goes down for the web server and the worker
        click_and_wait(page, page.get_by_role("button", name="Notifier"))
        expect(page.get_by_role("alert").filter(has_text="Le service des envois ne répond pas")).to_be_visible()
        assert TASKS_UNAVAILABLE.startswith("Le service des envois ne répond pas")
        # The form and its list are still there, ticked as they were; nothing was written.
        expect(page.get_by_label("Courrier électronique")).to_be_checked()
        expect(page.locator("[data-testid=pairs] tbody tr")).to_have_count(FAMILIES)
        save_screenshot(page, "faults-redis-down-notify")
        assert not OutboxMessage.objects.exists()
        assert not Job.objects.exists()
        assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
        # The screens that need no Redis still answer.
        page.goto(reverse("car:mass_create"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()

        redis_proxy.start()  # Redis is back, on the same port
        page.goto(reverse("notifications:guardians"))
        with page.expect_navigation():
            page.get_by_label("Courrier électronique").check()
        click_and_wait(page, page.get_by_role("button", name="Notifier"))
        expect(page.get_by_role("heading", name="Résultat de la notification")).to_be_visible()
        save_screenshot(page, "faults-redis-back-notify")
        # The worker reconnects by itself and sends every message.
        poll(lambda: smtp_sink.count() == FAMILIES, timeout=90, what="the worker to send every e-mail")
    finally:
        if context is not None:
            context.close()
        if server is not None:
            stop(server)
        stop(worker)
    assert_sent_equals_outbox(smtp_sink, count=FAMILIES)
    assert ActivationCode.objects.filter(notification_mode=NotificationMode.EMAIL).count() == FAMILIES
    assert_one_valid_car_per_pair(links)


class _Family:
    """A browser-less family on the portal: cookies, CSRF, form posts."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("Referer", f"{base}/")]

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(f"{self.base}{path}"))  # noqa: S310 — our local server

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        token = next(c.value for c in self.jar if c.name == "ts_famille_csrf")
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        return self._open(urllib.request.Request(f"{self.base}{path}", data=data))  # noqa: S310

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode().replace("&#x27;", "'")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode().replace("&#x27;", "'")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_families_rate_limits_fail_closed_on_codes_and_count_locally_on_sign_in(redis_proxy, settings):
    used, _ = guardian_code()
    account_factory(login="parent.redis", codes=[used])
    _, value = guardian_code()  # a code not used yet, for the activation
    server, base = start_server(
        settings_module="tsadmin.settings_portal",
        TELESERVICES_CODE_KEY=settings.TELESERVICES_CODE_KEY,
        REDIS_URL=redis_env(redis_proxy)["REDIS_URL"],
    )
    family = _Family(base)
    try:
        assert family.get("/connexion/")[0] == 200
        redis_proxy.stop()  # the rate limits' cache goes down

        # Not locked out: the family signs in.
        status, text = family.post("/connexion/", {"login": "parent.redis", "password": FAMILY_PASSWORD})
        assert status == 200 and "1 enfant est rattaché" in text
        family.post("/deconnexion/", {})
        family.get("/connexion/")
        # Not unlimited: a guesser is stopped after the usual failures, counted by the server itself.
        for _ in range(5):
            status, text = family.post("/connexion/", {"login": "parent.redis", "password": "mauvais"})
            assert status == 200 and LIMITED_MESSAGE not in text
        status, text = family.post("/connexion/", {"login": "parent.redis", "password": FAMILY_PASSWORD})
        assert status == 429 and LIMITED_MESSAGE in text

        # Codes typed fail closed: the maintenance page, and the code is not checked.
        family.get("/activation/")
        status, text = family.post("/activation/", {"code": value, "birth_date": "14/05/2013"})
        assert status == 503 and "Service momentanément indisponible" in text
        assert "Choisissez votre identifiant" not in text and "Traceback" not in text

        redis_proxy.start()  # back: the code is checked again
        family.get("/activation/")
        status, text = family.post("/activation/", {"code": value, "birth_date": "14/05/2013"})
        assert status == 200 and re.search(r"Choisissez votre identifiant", text), text[:2000]
    finally:
        stop(server)

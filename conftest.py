"""Fixtures shared by every app: two schools, their heads, an outsider.

The databases are the real ones configured by the environment (PostgreSQL in `make test`
and CI). Tests that touch the téléservices base declare it (`databases=["default",
"teleservices"]` or `@pytest.mark.django_db(databases="__all__")`).
"""

from pathlib import Path

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


# --- Real processes: a Celery worker, a browser ---------------------------------------------


def _test_database_url(alias: str) -> str:
    """The URL of the test database pytest-django created for `alias` (test_ prefix)."""
    from django.db import connections

    s = connections[alias].settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


# The queues every worker of the tests consumes unless told otherwise: all of them, as `make run`
# (production gives each its own pool: docs/deploy.md).
ALL_QUEUES = "celery,letters"


def start_celery_worker(env: dict | None = None, *, queues: str = ALL_QUEUES, processes: int = 0):
    """A real Celery worker process consuming `queues`, returned once it answers a ping.

    `env`: its whole environment (default: this one, on the test databases). `processes`: 0 for
    the solo pool (the worker is one process), else a prefork pool of that many child processes
    (as production runs it). The ping goes through this process's broker URL, to this worker only
    (another one may be running).
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tsadmin.celery import app

    if env is None:
        env = dict(os.environ)
        env["DATABASE_URL"] = _test_database_url("default")
        env["TELESERVICES_DATABASE_URL"] = _test_database_url("teleservices")
        env["TSADMIN_ENV"] = "test"
    hostname = f"test-{os.getpid()}-{time.monotonic_ns()}@{socket.gethostname()}"
    proc = subprocess.Popen(  # noqa: S603 — our own project's worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tsadmin",
            "worker",
            *(["--pool=solo"] if not processes else ["--pool=prefork", f"--concurrency={processes}"]),
            f"--queues={queues}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname={hostname}",
        ],
        cwd=Path(__file__).resolve().parent,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"The Celery worker ended at start (status {proc.returncode}).")
        try:
            if app.control.ping(destination=[hostname], timeout=0.5):
                return proc
        except Exception:  # noqa: BLE001, S112 — the broker may not answer yet
            continue
    proc.kill()
    pytest.fail("The Celery worker did not start within 30 s.")


@pytest.fixture
def celery_worker(transactional_db, django_db_setup):
    """A real Celery worker process on the test databases and the configured broker.

    Tests that use it see their data committed (transactional_db) so the worker reads it.
    """
    import subprocess

    from django.conf import settings

    from tsadmin.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        pytest.fail("The end-to-end tests need a real broker: set CELERY_BROKER_URL (make test does).")
    app.control.purge()
    proc = start_celery_worker()
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


CHROMIUM = "/usr/bin/chromium"
AXE = "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright: never a downloaded browser build."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous (the documented Django + Playwright set-up).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is missing: run `make test` (it installs Debian's chromium).")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield instance
        instance.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# Added to every page of the browser tests: no transition or animation may be caught mid-way by
# an assertion or by axe-core (a button fading between two colours fails the contrast rule).
# A constructed stylesheet, not a <style> element: the pages' Content-Security-Policy refuses
# inline styles, and the tests run under it (a violation would be caught, see csp_violations).
NO_MOTION_SCRIPT = """
(() => {
  const css = "*, *::before, *::after { transition: none !important; animation: none !important; "
    + "scroll-behavior: auto !important; caret-color: auto; }";
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  const add = () => { document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; };
  if (document.head) { add(); } else { document.addEventListener("DOMContentLoaded", add, { once: true }); }
})();
"""

# Every page of the browser tests records what its Content-Security-Policy refused.
CSP_LISTENER_SCRIPT = """
(() => {
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__cspViolations.push(
      event.violatedDirective + " " + (event.blockedURI || "inline") + " " + (event.sourceFile || "") + ":"
      + event.lineNumber
    );
  });
})();
"""


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server (`page.goto("/path/")`), without motion.

    The context asks for reduced motion (Bootstrap then drops its transitions) and every page
    gets a style that turns off the remaining transitions and animations, before any script.
    """
    from playwright.sync_api import expect

    context = browser.new_context(locale="fr-FR", base_url=live_server.url, reduced_motion="reduce")
    context.add_init_script(NO_MOTION_SCRIPT)
    context.add_init_script(CSP_LISTENER_SCRIPT)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.set_default_navigation_timeout(20_000)
    expect.set_options(timeout=10_000)
    yield tab
    context.close()


def browser_sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait until the browser has left the sign-in page."""
    import re

    from playwright.sync_api import expect

    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion/"))


def click_and_wait(page, locator) -> None:
    """Click what submits a form or follows a link, and wait for the new page to be loaded."""
    with page.expect_navigation():
        locator.click()


def save_screenshot(page, name: str) -> Path:
    """A full-page screenshot under var/screenshots/ (for a human look at the layout)."""
    from django.conf import settings

    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def csp_violations(page) -> list[str]:
    """What the Content-Security-Policy refused on the current page so far (directive, source)."""
    return page.evaluate("window.__cspViolations || []")


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; return the violations of the given impacts.

    axe-core is evaluated through Playwright (the DevTools protocol), not added as a <script>
    element, which the pages' Content-Security-Policy would refuse as an inline script: the tests
    keep the policy on, so a page that breaks it still fails.
    """
    page.evaluate(Path(AXE).read_text())
    result = page.evaluate("async () => await axe.run()")
    found = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
    # Every screen checked for accessibility is checked against its browser policy too: an inline
    # style or script the Content-Security-Policy refused is a fault of the page as well.
    found += [{"id": "content-security-policy", "impact": "serious", "help": v} for v in csp_violations(page)]
    return found

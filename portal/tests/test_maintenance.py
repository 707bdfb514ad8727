"""The families' database goes down, then comes back (issue #14's faults).

A real portal server (runserver under tsadmin.settings_portal) reaches PostgreSQL through a TCP
forwarder (tests/tcp_proxy.py); stopping the forwarder makes the database unreachable for that
server only. The family then gets the French maintenance page (503, Retry-After), and the same
session works again once the database is back: nothing lost, no restart.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from conftest import _test_database_url
from tests.tcp_proxy import TcpProxy

from .factories import PASSWORD, account_factory, guardian_code
from .test_deployable_alone import ROOT, _free_port, _portal_env


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_portal_shows_a_maintenance_page_while_its_database_is_down_then_works_again(settings):
    code, _ = guardian_code()
    account_factory(login="parent.panne", codes=[code])
    url = _test_database_url("teleservices")
    target = urllib.parse.urlsplit(url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 — our own manage.py
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure", "--skip-checks"],
        cwd=ROOT,
        env=_portal_env(
            TELESERVICES_DATABASE_URL=_through(proxy, url),
            TELESERVICES_CODE_KEY=settings.TELESERVICES_CODE_KEY,
            REDIS_URL=settings.CACHES["default"]["LOCATION"],
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str):
        try:
            with opener.open(f"{base}{path}", timeout=30) as answer:  # noqa: S310 — our local server
                return answer.status, dict(answer.headers), answer.read().decode().replace("&#x27;", "'")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode().replace("&#x27;", "'")

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = get("/connexion/")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the portal server did not start"
                time.sleep(0.2)
        token = next(c.value for c in jar if c.name == "ts_famille_csrf")
        form = urllib.parse.urlencode(
            {"login": "parent.panne", "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 — our local server
            f"{base}/connexion/", data=form, headers={"Referer": f"{base}/connexion/"}
        )
        with opener.open(request, timeout=30) as answer:  # noqa: S310 — our local server
            assert "1 enfant est rattaché" in answer.read().decode().replace("&#x27;", "'")

        proxy.stop()  # the database goes down
        status, headers, text = get("/")
        assert status == 503
        assert "Service momentanément indisponible" in text and "Vos données ne sont pas perdues" in text
        assert headers.get("Retry-After") == "300" and "no-store" in headers.get("Cache-Control", "")
        assert "Traceback" not in text and "OperationalError" not in text
        status, _, text = get("/connexion/")  # a page that needs no database still answers
        assert status == 200 or (status == 503 and "Service momentanément indisponible" in text)

        proxy.start()  # back, on the same port
        status, _, text = get("/")
        assert status == 200 and "1 enfant est rattaché" in text  # the same session, nothing lost
    finally:
        proxy.stop()
        server.terminate()
        server.wait(timeout=10)

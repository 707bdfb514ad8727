"""The families' database goes down, then comes back (issue #14's faults).

A real portal server (runserver under tsadmin.settings_portal) reaches PostgreSQL through a TCP
forwarder (tests/tcp_proxy.py); stopping the forwarder makes the database unreachable for that
server only. The family then gets the French maintenance page (503, Retry-After), and the same
session works again once the database is back: nothing lost, no restart.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import _test_database_url
from tests.tcp_proxy import TcpProxy

from .factories import PASSWORD, account_factory, guardian_code
from .server import PortalServer
from .test_deployable_alone import _portal_env


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
    server = PortalServer(
        _portal_env(
            TELESERVICES_DATABASE_URL=_through(proxy, url),
            TELESERVICES_CODE_KEY=settings.TELESERVICES_CODE_KEY,
            REDIS_URL=settings.CACHES["default"]["LOCATION"],
        )
    )
    get = server.get
    try:
        server.wait_ready()
        assert "1 enfant est rattaché" in server.sign_in("parent.panne", PASSWORD)

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
        server.stop()

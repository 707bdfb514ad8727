"""A real portal server for the tests that need one: `manage.py runserver` under
tsadmin.settings_portal in a subprocess, and a cookie-keeping client of it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PortalServer:
    def __init__(self, env: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.process = subprocess.Popen(  # noqa: S603 — our own manage.py
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--insecure",
                "--skip-checks",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def get(self, path: str) -> tuple[int, dict, str]:
        try:
            with self.opener.open(f"{self.base}{path}", timeout=30) as answer:  # noqa: S310 — our local server
                return answer.status, dict(answer.headers), answer.read().decode().replace("&#x27;", "'")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode().replace("&#x27;", "'")

    def wait_ready(self, path: str = "/connexion/") -> tuple[int, dict, str]:
        deadline = time.monotonic() + 60
        while True:
            try:
                return self.get(path)
            except (urllib.error.URLError, ConnectionError):
                assert self.process.poll() is None, self.process.stderr.read()
                assert time.monotonic() < deadline, "the portal server did not start"
                time.sleep(0.2)

    def sign_in(self, login: str, password: str) -> str:
        """Sign in through the form (with the CSRF cookie of an earlier GET); the page reached."""
        token = next(c.value for c in self.jar if c.name == "ts_famille_csrf")
        form = urllib.parse.urlencode({"login": login, "password": password, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(  # noqa: S310 — our local server
            f"{self.base}/connexion/", data=form, headers={"Referer": f"{self.base}/connexion/"}
        )
        with self.opener.open(request, timeout=30) as answer:  # noqa: S310 — our local server
            return answer.read().decode().replace("&#x27;", "'")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

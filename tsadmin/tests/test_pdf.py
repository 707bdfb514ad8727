"""tsadmin.pdf: the shared WeasyPrint rendering fetches nothing outside the static folder."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from pypdf import PdfReader

from tsadmin.pdf import FetchRefused, StaticOnlyFetcher, html_to_pdf, static_root


class Listener:
    """A real TCP listener on a free local port that counts the connections it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_a_template_referencing_outside_urls_gets_nothing_fetched(listener):
    base = f"http://127.0.0.1:{listener.port}"
    html = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
    <link rel="stylesheet" href="{base}/style.css">
    <style>
      @import url({base}/import.css);
      @font-face {{ font-family: Remote; src: url({base}/font.woff2); }}
      body {{ font-family: Remote, sans-serif; background: url({base}/background.png); }}
    </style></head>
    <body><p>Un document sans ressource externe</p>
    <img src="{base}/image.png" alt="">
    <object data="{base}/object.svg"></object>
    <a rel="attachment" href="file:///etc/passwd">pièce jointe</a>
    <img src="file:///etc/passwd" alt=""></body></html>"""

    data = html_to_pdf(html)

    assert listener.connections == 0
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    text = pdf_text(data)
    assert "Un document sans ressource externe" in text
    assert "root:x:0:0" not in text


def test_the_fetcher_still_serves_the_static_folder_and_refuses_a_climb_out_of_it():
    svg = static_root() / "favicon.svg"
    response = StaticOnlyFetcher().fetch(svg.as_uri())
    try:
        assert response.read() == svg.read_bytes()
    finally:
        response.close()
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(static_root().as_uri() + "/../requirements.txt")

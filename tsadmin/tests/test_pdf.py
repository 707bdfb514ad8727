"""tsadmin.pdf: the shared WeasyPrint rendering fetches nothing outside the static folder."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.listener import listener_fixture  # noqa: F401 — the `listener` fixture
from tsadmin.pdf import FetchRefused, StaticOnlyFetcher, html_to_pdf, static_root


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

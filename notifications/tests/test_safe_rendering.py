"""Nothing a user or an import can type makes the letter renderer fetch a URL or embed a file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from notifications.content import guardian_letters, student_letters
from notifications.letters import FetchRefused, StaticOnlyFetcher, letters_pdf, static_root
from services.models import LetterType
from services.services import letter_settings_update, letter_signatory_update
from siecle.factories import EntFactory
from tests.listener import listener_fixture  # noqa: F401 — the `listener` fixture

from .helpers import guardian_with_children, pdf_text


def img(port: int, label: str) -> str:
    return f'<img src="http://127.0.0.1:{port}/{label}">'


def imp(port: int, label: str) -> str:
    return f"<style>@import url(http://127.0.0.1:{port}/{label});</style>"


FILE = '<a rel="attachment" href="file:///etc/passwd">f</a>'


def test_hostile_texts_are_printed_as_text_and_fetch_nothing(db, school, head, listener, tmp_path):
    port = listener.port
    school.name = img(port, "school") + imp(port, "school")
    school.address_line1 = FILE + img(port, "street")
    school.city = imp(port, "city")
    school.save()
    school.academy.name = img(port, "academy")
    school.academy.teleservices_url = f"http://127.0.0.1:{port}/ts/"
    school.academy.save()
    ent = EntFactory(
        academy=school.academy, description=img(port, "ent") + imp(port, "ent") + FILE, url=f"http://127.0.0.1:{port}/e"
    )
    letter_settings_update(school=school, letter_type=LetterType.MIXED, ent=ent, by=head)
    signatory = f"@import url(http://127.0.0.1:{port}/sign); file:///etc/passwd"  # < and > are refused on B4
    letter_signatory_update(school=school, name=signatory, by=head)
    _, links = guardian_with_children(
        school,
        last_name=img(port, "name") + FILE,
        first_name=imp(port, "first"),
        address_line1=FILE + img(port, "address"),
        city="file:///etc/passwd",
    )
    letters = [
        *guardian_letters(school=school, link_ids=[link.pk for link in links]),
        *student_letters(school=school, student_ids=[link.student_id for link in links]),
    ]
    output = tmp_path / "letters.pdf"

    letters_pdf(letters=letters, output=output)

    assert listener.connections == 0
    reader = PdfReader(io.BytesIO(output.read_bytes()))
    assert reader.attachments == {}
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"])
    text = pdf_text(output.read_bytes()).replace("\n", "")
    assert img(port, "school") + imp(port, "school") in text
    assert img(port, "name") + FILE in text
    assert FILE + img(port, "address") in text
    assert signatory in text
    assert "root:x:0:0" not in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://evil.example/etc/passwd",
    ],
)
def test_the_fetcher_refuses_every_url_outside_static(url):
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(url)


def test_the_fetcher_refuses_a_path_that_climbs_out_of_static():
    escape = static_root().as_uri() + "/../requirements.txt"
    with pytest.raises(FetchRefused):
        StaticOnlyFetcher().fetch(escape)


def test_the_fetcher_serves_a_static_file():
    css = next(Path(static_root()).rglob("*.css"))
    response = StaticOnlyFetcher().fetch(css.as_uri())
    try:
        assert response.read() == css.read_bytes()
    finally:
        response.close()

"""B3: the welcome message is sanitised, limited to 1000 visible characters, editable any time."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from services import welcome
from services.models import SchoolSettings, SettingChange
from services.selectors import welcome_message_html, welcome_message_source
from services.services import welcome_message_update

URL = reverse("services:welcome_message")


@pytest.mark.parametrize(
    "pasted",
    [
        "<script>alert(1)</script>Bonjour",
        "<SCRIPT src=https://evil.example/x.js></SCRIPT>Bonjour",
        '<img src=x onerror="alert(1)">Bonjour',
        '<a href="https://ok.example" onclick="alert(1)" onmouseover="alert(2)">Bonjour</a>',
        '<a href="javascript:alert(1)">Bonjour</a>',
        '<a href="JaVaScRiPt:alert(1)">Bonjour</a>',
        '<a href="java&#x09;script:alert(1)">Bonjour</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Bonjour</a>',
        '<svg onload="alert(1)"><a xlink:href="javascript:alert(1)">x</a></svg>Bonjour',
        '<iframe src="https://evil.example"></iframe><style>body{}</style>Bonjour',
        '<div style="background:url(javascript:alert(1))">Bonjour</div>',
        "<p><b>Bon</b>jour</p><!-- <script>alert(1)</script> -->",
    ],
)
def test_nothing_pasted_can_run_script(pasted):
    html = welcome.sanitize(pasted)
    lowered = html.lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "onload",
        "javascript:",
        "data:",
        "<img",
        "<svg",
        "<iframe",
        "<style",
        "style=",
        "<div",
        "<b>",
        "<p>",
        "<!--",
    ):
        assert bad not in lowered, (pasted, html)
    assert "Bonjour" in welcome.visible_text(html)


def test_https_and_mailto_links_and_line_breaks_survive_an_http_link_keeps_only_its_text():
    html = welcome.sanitize(
        'Bonjour,\r\nVoir <a href="https://lycee.example/jpo?a=1&b=2">la journée</a>\n'
        '<a href="mailto:ce.0780001a@ac-test.example">Écrire</a> <a href="http://old.example">ancien</a>'
    )
    assert html == (
        'Bonjour,<br>Voir <a href="https://lycee.example/jpo?a=1&amp;b=2" rel="noopener noreferrer nofollow" '
        'target="_blank">la journée</a><br><a href="mailto:ce.0780001a@ac-test.example" '
        'rel="noopener noreferrer nofollow" target="_blank">Écrire</a> ancien'
    )


def test_relative_and_protocol_relative_links_lose_their_address():
    html = welcome.sanitize('<a href="/admin/">ici</a> <a href="//evil.example">là</a>')
    assert html == "ici là"


def test_the_length_counts_what_the_reader_sees():
    html = welcome.sanitize('Né & <a href="https://a-very-long-address.example/with/a/path">ici</a>\r\nfin')
    assert welcome.visible_text(html) == "Né & ici\nfin"
    assert welcome.visible_length(html) == 12


def test_text_that_looks_like_markup_stays_text_and_round_trips():
    source = "Note : 3 < 5 & 7 > 2, écrire &lt;"
    html = welcome.sanitize(source)
    assert welcome.visible_text(html) == "Note : 3 < 5 & 7 > 2, écrire <"
    assert welcome.sanitize(welcome.to_source(html)) == html


@pytest.mark.django_db
def test_a_message_of_1000_visible_characters_is_kept_even_with_long_links(school, head):
    text = "x" * 990 + '<a href="https://example.org/' + "p" * 300 + '">0123456789</a>'
    welcome_message_update(school=school, source=text, by=head)
    assert welcome.visible_length(SchoolSettings.objects.get(school=school).welcome_message) == 1000


@pytest.mark.django_db
def test_a_message_over_1000_characters_is_refused(school, head):
    with pytest.raises(ValidationError, match="1001 caractères"):
        welcome_message_update(school=school, source="x" * 1001, by=head)
    assert not SchoolSettings.objects.filter(school=school, welcome_message__gt="").exists()


@pytest.mark.django_db
def test_the_message_is_editable_before_activation_and_recorded(school, head):
    welcome_message_update(school=school, source="Bonjour", by=head)
    welcome_message_update(school=school, source="Bonjour", by=head)
    welcome_message_update(school=school, source="Bonsoir", by=head)
    changes = list(SettingChange.objects.filter(school=school, setting="welcome_message").order_by("id"))
    assert [(c.old_value, c.new_value, c.changed_by) for c in changes] == [
        ("", "Bonjour", head),
        ("Bonjour", "Bonsoir", head),
    ]
    assert welcome_message_html(school=school) == "Bonsoir"


@pytest.mark.django_db
def test_the_reader_cleans_again_what_was_stored(school):
    SchoolSettings.objects.create(
        school=school, welcome_message='<script>alert(1)</script><a href="javascript:x">a</a>'
    )
    assert welcome_message_html(school=school) == "a"


@pytest.mark.django_db
def test_the_page_saves_the_message_and_shows_it_again_for_editing(head_client, school):
    response = head_client.post(URL, {"message": 'Bonjour,\r\n<a href="https://jpo.example">JPO</a> <b>le 15</b>'})
    assert response.status_code == 302 and response["Location"] == URL
    page = head_client.get(URL).content.decode()
    assert "Le message d&#x27;accueil est enregistré." in page
    assert welcome_message_source(school=school) == 'Bonjour,\n<a href="https://jpo.example">JPO</a> le 15'
    assert "Bonjour,\n&lt;a href=&quot;https://jpo.example&quot;&gt;JPO&lt;/a&gt; le 15</textarea>" in page
    assert 'id="welcome-counter" data-max="1000"' in page
    assert "services-welcome.js" in page


@pytest.mark.django_db
def test_a_too_long_message_keeps_the_form_with_a_french_message(head_client, school):
    response = head_client.post(URL, {"message": "é" * 1200})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le message compte 1200 caractères ; 1000 au plus sont acceptés." in page
    assert "é" * 1200 in page
    assert welcome_message_source(school=school) == ""


@pytest.mark.django_db
def test_another_school_head_changes_only_his_own_message(other_client, school, other_school):
    other_client.post(URL, {"message": "Chez nous"})
    assert welcome_message_source(school=school) == ""
    assert welcome_message_source(school=other_school) == "Chez nous"

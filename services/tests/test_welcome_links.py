"""B3: the welcome message's links are https sites (of the academy's domains, if it lists some)
or e-mail addresses; anything else is refused with a French message, and cleaned away again
wherever the message is shown (the editor's preview, the families' portal)."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from portal.welcome import welcome_html
from services.models import SchoolSettings, SettingChange
from services.selectors import welcome_message_html, welcome_message_source
from services.services import TeleserviceError, academy_welcome_messages_reclean, welcome_message_update
from siecle.models import Academy, link_domains_parse

URL = reverse("services:welcome_message")
pytestmark = pytest.mark.django_db


def _restrict(school, domains: str) -> None:
    Academy.objects.filter(pk=school.academy_id).update(welcome_link_domains=domains)
    school.academy.refresh_from_db()


@pytest.mark.parametrize(
    ("href", "reason"),
    [
        ("http://college.example/", "les liens « http: » ne sont pas acceptés"),
        ("javascript:alert(1)", "les liens « javascript: » ne sont pas acceptés"),
        ("JaVaScRiPt:alert(1)", "les liens « javascript: » ne sont pas acceptés"),
        ("data:text/html;base64,PHNjcmlwdD4=", "les liens « data: » ne sont pas acceptés"),
        ("/gestion/", "une adresse complète commençant par https:// est attendue"),
        ("//evil.example/", "une adresse complète commençant par https:// est attendue"),
        ("college.example", "une adresse complète commençant par https:// est attendue"),
        ("java&#x09;script:alert(1)", "une adresse complète commençant par https:// est attendue"),
        ("https://", "l'adresse du site n'est pas valide"),
    ],
)
def test_a_link_that_is_not_https_or_mailto_is_refused_and_nothing_saved(school, head, href, reason):
    welcome_message_update(school=school, source="Bonjour", by=head)
    with pytest.raises(TeleserviceError) as refused:
        welcome_message_update(school=school, source=f'Voir <a href="{href}">le site</a>', by=head)
    message = refused.value.messages[0]
    assert message.startswith("Lien refusé : « ") and reason in message
    assert welcome_message_source(school=school) == "Bonjour"
    assert SettingChange.objects.filter(school=school).count() == 1


def test_https_and_mailto_links_are_kept(school, head):
    welcome_message_update(
        school=school,
        source='<a href="https://college.example/jpo">JPO</a> <a href="mailto:secretariat@gmail.example">Écrire</a>',
        by=head,
    )
    html = welcome_message_html(school=school)
    assert 'href="https://college.example/jpo"' in html and 'href="mailto:secretariat@gmail.example"' in html


@pytest.mark.parametrize(
    "href",
    [
        "https://ac-test.fr/",
        "https://www.ac-test.fr/jpo",
        "https://college.Lyon.AC-TEST.fr.",
        "mailto:x@ailleurs.example",
    ],
)
def test_with_an_allow_list_its_domains_their_subdomains_and_mail_addresses_are_accepted(school, head, href):
    _restrict(school, "ac-test.fr\nville.example")
    welcome_message_update(school=school, source=f'<a href="{href}">ici</a>', by=head)
    assert f'href="{href}"' in welcome_message_html(school=school)


@pytest.mark.parametrize(
    "href",
    [
        "https://evil.example/",
        "https://ac-test.fr.evil.example/",  # the allowed name as a subdomain of another site
        "https://evilac-test.fr/",  # ends with the name, but is another domain
        "https://ac-test.fr@evil.example/",  # a user name: the browser goes to evil.example
        "https://evil.example\\@ac-test.fr/",  # a backslash: browsers read it as a slash
    ],
)
def test_with_an_allow_list_other_sites_are_refused(school, head, href):
    _restrict(school, "ac-test.fr")
    with pytest.raises(TeleserviceError, match="Lien refusé"):
        welcome_message_update(school=school, source=f'<a href="{href}">ici</a>', by=head)
    assert not SchoolSettings.objects.filter(school=school, welcome_message__gt="").exists()


def test_the_refusal_names_the_site_and_the_academys_domains(school, head):
    _restrict(school, "ac-test.fr")
    with pytest.raises(TeleserviceError) as refused:
        welcome_message_update(school=school, source='<a href="https://www.evil.example/x">ici</a>', by=head)
    assert refused.value.messages == [
        "Lien refusé : « https://www.evil.example/x » : le site www.evil.example n'est pas parmi les domaines "
        "autorisés par l'académie, ac-test.fr. Corrigez l'adresse ou retirez le lien."
    ]


def test_a_duplicated_address_attribute_cannot_smuggle_a_refused_link(school, head):
    with pytest.raises(TeleserviceError, match="javascript"):
        welcome_message_update(
            school=school, source='<a href="https://ok.example" href="javascript:alert(1)">x</a>', by=head
        )


def test_the_allow_list_is_checked_again_when_the_message_is_shown(school, head):
    welcome_message_update(school=school, source='Voir <a href="https://evil.example/">le site</a>', by=head)
    _restrict(school, "ac-test.fr")
    assert welcome_message_html(school=school) == "Voir le site"


def test_a_changed_allow_list_cleans_the_academys_messages_with_a_history_row(school, other_school, head):
    welcome_message_update(school=school, source='<a href="https://evil.example/">A</a>', by=head)
    welcome_message_update(school=other_school, source='<a href="https://www.ac-test.fr/">B</a>', by=head)
    _restrict(school, "ac-test.fr")
    assert academy_welcome_messages_reclean(academy=school.academy, by=head).messages == 1
    assert SchoolSettings.objects.get(school=school).welcome_message == "A"
    assert 'href="https://www.ac-test.fr/"' in SchoolSettings.objects.get(school=other_school).welcome_message
    last = SettingChange.objects.filter(school=school, setting="welcome_message").latest("id")
    assert (last.old_value, last.new_value, last.changed_by) == (
        '<a href="https://evil.example/" rel="noopener noreferrer nofollow" target="_blank">A</a>',
        "A",
        head,
    )
    assert academy_welcome_messages_reclean(academy=school.academy, by=head).messages == 0  # safe to run twice


def test_the_allow_list_is_read_leniently_and_validated_in_the_admin():
    assert link_domains_parse("*.AC-Test.fr\n.ville.example, ac-test.fr ; mairie.example.") == [
        "ac-test.fr",
        "ville.example",
        "mairie.example",
    ]
    with pytest.raises(ValidationError, match="« https://ac-test.fr » n'est pas un nom de domaine"):
        link_domains_parse("https://ac-test.fr")
    academy = Academy(code="X", name="X", welcome_link_domains="pas un domaine!")
    with pytest.raises(ValidationError) as refused:
        academy.full_clean()
    assert "welcome_link_domains" in refused.value.message_dict


def test_the_django_admin_edits_the_allow_list_and_cleans_the_messages_once_confirmed(school, head):
    welcome_message_update(school=school, source='Voir <a href="https://evil.example/">le site</a>', by=head)
    it = User.objects.create_superuser("it.academie", "it@example.org", "Un-mot-de-passe-solide-42")
    client = Client()
    client.force_login(it)
    academy = school.academy
    url = reverse("admin:siecle_academy_change", args=[academy.pk])
    form = {
        "code": academy.code,
        "name": academy.name,
        "teleservices_url": academy.teleservices_url,
        "welcome_link_domains": "*.AC-Test.fr",
        "ents-TOTAL_FORMS": "0",
        "ents-INITIAL_FORMS": "0",
        "ents-MIN_NUM_FORMS": "0",
        "ents-MAX_NUM_FORMS": "1000",
        "_save": "Enregistrer",
    }
    bad = client.post(url, {**form, "welcome_link_domains": "https://ac-test.fr"})
    assert bad.status_code == 200 and "n&#x27;est pas un nom de domaine" in bad.content.decode()
    preview = client.post(url, form)
    assert preview.status_code == 200 and "Oui, enregistrer et retirer ces liens" in preview.content.decode()
    response = client.post(url, {**form, "_welcome_confirm": preview.context["preview"].digest}, follow=True)
    assert "1 message(s) d&#x27;accueil nettoyé(s), 1 lien(s) retiré(s)" in response.content.decode()
    academy.refresh_from_db()
    assert academy.welcome_link_domains == "ac-test.fr"
    assert SchoolSettings.objects.get(school=school).welcome_message == "Voir le site"


# --- The editing screen ----------------------------------------------------------------------------


def test_the_screen_refuses_an_http_link_with_a_french_message_and_keeps_the_text(head_client, school):
    typed = 'Bonjour,\r\nVoir <a href="http://college.example/">le site</a>'
    response = head_client.post(URL, {"message": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lien refusé : « http://college.example/ »" in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "seuls https:// et mailto: le sont" in page
    assert "Bonjour,\r\nVoir &lt;a href=&quot;http://college.example/&quot;&gt;le site&lt;/a&gt;</textarea>" in page
    assert welcome_message_source(school=school) == ""


def test_the_screen_names_the_academys_domains(head_client, school):
    assert "Sites acceptés par l" not in head_client.get(URL).content.decode()
    _restrict(school, "ac-test.fr\nville.example")
    page = head_client.get(URL).content.decode()
    assert "Sites acceptés par l'académie : ac-test.fr, ville.example (et leurs sous-domaines)." in page
    assert 'data-link-domains="ac-test.fr ville.example"' in page


# --- The families' portal cleans again what it is sent ----------------------------------------------


def test_the_portal_shows_no_link_but_https_and_mailto():
    shown = welcome_html(
        '<a href="http://old.example/">A</a> <a href="https://ok.example/">B</a> '
        '<a href="mailto:x@y.example">C</a> <a href="data:text/html,x">D</a> <a href="/relatif">E</a>'
    )
    assert 'href="http://old.example/"' not in shown and "data:" not in shown and "/relatif" not in shown
    assert 'href="https://ok.example/"' in shown and 'href="mailto:x@y.example"' in shown
    assert [letter in shown for letter in "ABCDE"] == [True] * 5

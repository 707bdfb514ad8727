"""B3: a changed allow-list of link domains (the academy's Django admin form) shows what it would
remove from the schools' welcome messages and writes nothing until the administrator confirms;
the confirmation applies exactly what was shown."""

import re
import threading

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from services import services as settings_services
from services.admin import AcademyWelcomeDomainsForm
from services.models import SchoolSettings, SettingChange
from services.services import (
    TeleserviceError,
    WelcomeRecleanStale,
    academy_welcome_messages_reclean,
    teleservices_activate,
    welcome_message_update,
)
from siecle.factories import AcademyFactory, SchoolFactory
from siecle.models import Academy, Ent, School

pytestmark = pytest.mark.django_db
PASSWORD = "Un-mot-de-passe-solide-42"
EVIL = '<a href="https://evil.example/jpo">les portes ouvertes</a>'
OTHER = '<a href="https://autre.example/">le club</a>'
KEPT = '<a href="https://www.ac-test.fr/">l\'académie</a>'


def url(academy: Academy) -> str:
    return reverse("admin:siecle_academy_change", args=[academy.pk])


def form(academy: Academy, **changes) -> dict:
    data = {
        "code": academy.code,
        "name": academy.name,
        "teleservices_url": academy.teleservices_url,
        "welcome_link_domains": "ac-test.fr",
        "ents-TOTAL_FORMS": "0",
        "ents-INITIAL_FORMS": "0",
        "ents-MIN_NUM_FORMS": "0",
        "ents-MAX_NUM_FORMS": "1000",
        "_save": "Enregistrer",
    }
    return {**data, **changes}


def page(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def message(school) -> str:
    return SchoolSettings.objects.get(school=school).welcome_message


@pytest.fixture
def it_client(db) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("it.academie", "it@example.org", PASSWORD))
    return client


@pytest.fixture
def published(school, other_school, head):
    """Three schools' messages: two lose links under "ac-test.fr" (three links in all), one does not."""
    third = SchoolFactory(name="Lycée Jules Ferry", academy=school.academy)
    welcome_message_update(school=school, source=f"Venez à {EVIL} !\nEt {OTHER}.", by=head)
    welcome_message_update(school=other_school, source=f"Voir {EVIL} et {KEPT}", by=head)
    welcome_message_update(school=third, source=f"Voir {KEPT}", by=head)
    return school, other_school, third


def test_the_page_shows_the_counts_and_the_links_and_writes_nothing(it_client, published):
    school, other_school, third = published
    before = {s.pk: message(s) for s in published}
    history = SettingChange.objects.count()
    response = it_client.post(url(school.academy), form(school.academy))
    assert response.status_code == 200
    assert "services/admin/academy_welcome_confirm.html" in [t.name for t in response.templates]
    text = page(response)
    assert "2 messages d'accueil changent, 3 liens retirés en tout." in text
    rows = re.search(r"<tbody>(.*)</tbody>", text, re.S).group(1)
    assert school.uaj in rows and "Collège Jean Moulin" in rows and "Lycée Marie Curie" in rows
    assert third.uaj not in rows and "https://www.ac-test.fr/" not in rows
    assert rows.count("<code>https://evil.example/jpo</code>") == 2 and "<code>https://autre.example/</code>" in rows
    assert 'name="csrfmiddlewaretoken"' in text and "Annuler" in text
    assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|<style", text)  # the CSP allows neither
    assert Academy.objects.get(pk=school.academy_id).welcome_link_domains == ""
    assert {s.pk: message(s) for s in published} == before
    assert SettingChange.objects.count() == history


def test_confirming_saves_the_list_and_cleans_the_messages_shown(it_client, published):
    school, other_school, third = published
    academy = school.academy
    preview = it_client.post(url(academy), form(academy)).context["preview"]
    response = it_client.post(url(academy), form(academy, _welcome_confirm=preview.digest), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:siecle_academy_changelist")
    assert "2 message(s) d'accueil nettoyé(s), 3 lien(s) retiré(s)" in page(response)
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == "ac-test.fr"
    assert message(school) == "Venez à les portes ouvertes !<br>Et le club."
    assert message(other_school).startswith('Voir les portes ouvertes et <a href="https://www.ac-test.fr/"')
    assert 'href="https://www.ac-test.fr/"' in message(third)
    rows = SettingChange.objects.filter(setting="welcome_message", changed_by__username="it.academie")
    assert sorted(rows.values_list("school_id", flat=True)) == sorted([school.pk, other_school.pk])


def test_the_confirmation_keeps_the_rest_of_the_form(it_client, published):
    academy = published[0].academy
    data = form(
        academy,
        **{
            "ents-TOTAL_FORMS": "1",
            "ents-0-location": "YVELINES",
            "ents-0-description": "ENT des collèges",
            "ents-0-url": "https://ent.ac-test.fr/",
            "welcome_link_domains": "ac-test.fr\nville.example",
        },
    )
    preview = it_client.post(url(academy), data)
    text = page(preview)
    assert 'name="ents-0-description" value="ENT des collèges"' in text
    assert 'name="welcome_link_domains" value="ac-test.fr\nville.example"' in text
    assert not Ent.objects.filter(academy=academy).exists()
    it_client.post(url(academy), {**data, "_welcome_confirm": preview.context["preview"].digest})
    assert Ent.objects.get(academy=academy).description == "ENT des collèges"
    assert Academy.objects.get(pk=academy.pk).welcome_link_domain_list() == ["ac-test.fr", "ville.example"]


def test_a_stale_confirmation_is_refused_and_the_page_shown_again(it_client, published, head):
    school, other_school, third = published
    academy = school.academy
    shown = it_client.post(url(academy), form(academy)).context["preview"]
    welcome_message_update(school=third, source=f"Voir {KEPT} et {OTHER}", by=head)  # a head saves meanwhile
    before = {s.pk: message(s) for s in published}
    response = it_client.post(url(academy), form(academy, _welcome_confirm=shown.digest))
    assert response.status_code == 200
    text = page(response)
    assert "Des messages d'accueil ont changé depuis l'aperçu que vous avez confirmé" in text
    assert "3 messages d'accueil changent, 4 liens retirés en tout." in text and third.uaj in text
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == ""
    assert {s.pk: message(s) for s in published} == before
    again = response.context["preview"]
    it_client.post(url(academy), form(academy, _welcome_confirm=again.digest))
    assert (
        message(third) == 'Voir <a href="https://www.ac-test.fr/" rel="noopener noreferrer nofollow" '
        'target="_blank">l\'académie</a> et le club'
    )


@pytest.mark.django_db(transaction=True)
def test_a_message_saved_between_the_check_and_the_cleaning_rolls_everything_back(
    it_client, published, head, monkeypatch
):
    """The check (the form) and the locked cleaning (the save) are two moments: a head who saves
    his message in between, from his own connection, makes the digest differ and the page shown again."""
    school, other_school, third = published
    academy = school.academy
    shown = it_client.post(url(academy), form(academy)).context["preview"]
    check = AcademyWelcomeDomainsForm._welcome_change_confirmed
    raced = []

    def head_saves():
        try:
            welcome_message_update(school=third, source=f"Voir {OTHER}", by=head)
        finally:
            connections.close_all()

    def check_then_a_head_saves(self):
        confirmed = check(self)
        if not raced:
            raced.append(True)
            thread = threading.Thread(target=head_saves)
            thread.start()
            thread.join()
        return confirmed

    monkeypatch.setattr(AcademyWelcomeDomainsForm, "_welcome_change_confirmed", check_then_a_head_saves)
    response = it_client.post(url(academy), form(academy, _welcome_confirm=shown.digest))
    assert raced and response.status_code == 200 and "Des messages d'accueil ont changé" in page(response)
    assert response.context["preview"].messages == 3
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == ""
    assert 'href="https://evil.example/jpo"' in message(school)
    assert not SettingChange.objects.filter(changed_by__username="it.academie").exists()


def test_the_service_refuses_a_changed_preview_and_writes_nothing(published, head):
    school = published[0]
    academy = school.academy
    academy.welcome_link_domains = "ac-test.fr"
    preview = academy_welcome_messages_reclean(academy=academy, by=None, dry_run=True)
    assert (preview.messages, preview.links) == (2, 3)
    before = message(school)
    with pytest.raises(WelcomeRecleanStale):
        academy_welcome_messages_reclean(academy=academy, by=head, expected_digest="0" * 64)
    assert message(school) == before
    done = academy_welcome_messages_reclean(academy=academy, by=head, expected_digest=preview.digest)
    assert (done.messages, done.links, done.digest) == (2, 3, preview.digest)


def test_when_no_message_would_change_the_list_is_saved_at_once(it_client, school, head):
    welcome_message_update(school=school, source=f"Voir {KEPT}", by=head)
    response = it_client.post(url(school.academy), form(school.academy), follow=True)
    assert response.redirect_chain and "Aucun message d'accueil ne change" in page(response)
    assert Academy.objects.get(pk=school.academy_id).welcome_link_domains == "ac-test.fr"
    assert 'href="https://www.ac-test.fr/"' in message(school)


def test_cancel_returns_to_the_form_with_what_was_typed_and_saves_nothing(it_client, published):
    academy = published[0].academy
    before = message(published[0])
    response = it_client.post(
        url(academy), form(academy, welcome_link_domains="ac-test.fr\nmairie.example", _welcome_cancel="1")
    )
    assert response.status_code == 200
    assert "admin/change_form.html" in [t.name for t in response.templates]
    text = page(response)
    assert "Rien n'a été enregistré : la saisie est conservée ci-dessous." in text
    assert ">\nac-test.fr\nmairie.example</textarea>" in text and "errornote" not in text
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == ""
    assert message(published[0]) == before


def test_a_staff_user_without_the_change_permission_cannot_reach_it(published, head_client):
    academy = published[0].academy
    reader = User.objects.create_user("lecteur", password=PASSWORD, is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_academy"))
    client = Client()
    client.force_login(reader)
    assert client.get(url(academy)).status_code == 200  # he may read the form
    response = client.post(url(academy), form(academy))
    assert response.status_code == 403 and b"evil.example" not in response.content
    refused = head_client.post(url(academy), form(academy))  # a school head is no admin user
    assert refused.status_code == 302 and reverse("admin:login") in refused["Location"]
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == ""
    assert "evil.example" in message(published[0])


def test_a_long_list_shows_its_first_schools_and_counts_them_all(it_client, published, monkeypatch):
    monkeypatch.setattr(settings_services, "RECLEAN_SHOWN", 1)
    text = page(it_client.post(url(published[0].academy), form(published[0].academy)))
    assert "2 messages d'accueil changent" in text
    assert "… et 1 autre établissement non affiché ici (les 1 premiers par UAJ sont listés)" in text
    assert sorted([published[0].uaj, published[1].uaj])[0] in text


def _academy_with(schools: int, code: str, head) -> Academy:
    academy = AcademyFactory(code=code, name=f"Académie {code}")
    for n in range(schools):
        school = SchoolFactory(academy=academy, name=f"Collège {code} {n}")
        welcome_message_update(school=school, source=f"{n} {EVIL} {OTHER} {KEPT}", by=head)
    return academy


def _queries(client: Client, academy: Academy) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as shown:
        preview = client.post(url(academy), form(academy)).context["preview"]
    with CaptureQueriesContext(connection) as applied:
        client.post(url(academy), form(academy, _welcome_confirm=preview.digest))
    return len(shown), len(applied)


def test_the_page_and_the_cleaning_take_as_many_queries_for_two_schools_as_for_eight(it_client, head):
    small, large = _academy_with(2, "PETITE", head), _academy_with(8, "GRANDE", head)
    assert _queries(it_client, small) == _queries(it_client, large)
    assert SettingChange.objects.filter(school__academy=large, changed_by__username="it.academie").count() == 8


def test_the_messages_are_read_by_batches_and_all_cleaned(head, monkeypatch):
    monkeypatch.setattr(settings_services, "RECLEAN_BATCH", 2)
    academy = _academy_with(5, "LOTS", head)
    academy.welcome_link_domains = "ac-test.fr"
    preview = academy_welcome_messages_reclean(academy=academy, by=None, dry_run=True)
    done = academy_welcome_messages_reclean(academy=academy, by=head, expected_digest=preview.digest)
    assert (done.messages, done.links) == (5, 10)
    assert not SchoolSettings.objects.filter(school__academy=academy, welcome_message__contains="evil").exists()
    assert academy_welcome_messages_reclean(academy=academy, by=head).messages == 0


@pytest.mark.django_db(transaction=True, databases=["default", "teleservices"])
def test_the_cleaned_message_reaches_the_families_portal_at_the_next_replication(school, head):
    from portal import models as ts
    from replication.run import replication_run

    client = Client()
    client.force_login(User.objects.create_superuser("it.academie", "it@example.org", PASSWORD))
    teleservices_activate(school=school, by=head)
    welcome_message_update(school=school, source=f"Venez à {EVIL}", by=head)
    assert replication_run(full=True).ok
    assert 'href="https://evil.example/jpo"' in ts.School.objects.get(id=school.pk).welcome_html
    academy = school.academy
    preview = client.post(url(academy), form(academy)).context["preview"]
    client.post(url(academy), form(academy, _welcome_confirm=preview.digest))
    outcome = replication_run()
    assert outcome.ok, "\n".join(outcome.lines)
    assert ts.School.objects.get(id=school.pk).welcome_html == "Venez à les portes ouvertes"


def test_an_error_elsewhere_in_the_form_shows_the_form_first_and_writes_nothing(it_client, published):
    academy = published[0].academy
    data = form(academy, **{"ents-TOTAL_FORMS": "1", "ents-0-location": "YVELINES", "ents-0-url": "pas une adresse"})
    response = it_client.post(url(academy), data)
    assert response.status_code == 200
    assert "admin/change_form.html" in [t.name for t in response.templates] and "errornote" in page(response)
    assert ">\nac-test.fr</textarea>" in page(response)
    assert Academy.objects.get(pk=academy.pk).welcome_link_domains == ""
    assert "evil.example" in message(published[0]) and not Ent.objects.filter(academy=academy).exists()


@pytest.mark.django_db(transaction=True)
def test_a_head_saving_while_the_cleaning_holds_his_row_is_checked_against_the_new_list(published, head):
    """The confirmed cleaning holds the academy's row and the messages it read until it commits; a
    head saving meanwhile must not write, once it commits, a link the new list no longer accepts."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    school, other_school, third = published
    academy = Academy.objects.get(pk=school.academy_id)
    outcome = []

    def head_saves():
        try:
            welcome_message_update(school=School.objects.get(pk=third.pk), source=EVIL, by=head)
            outcome.append("saved")
        except TeleserviceError as error:
            outcome.append(error.code)
        finally:
            connections.close_all()

    thread = threading.Thread(target=head_saves)
    with transaction.atomic():
        academy.welcome_link_domains = "ac-test.fr"
        academy.save()
        academy_welcome_messages_reclean(academy=academy, by=None)
        thread.start()
        thread.join(timeout=1.5)  # the head's save waits for this transaction
        assert thread.is_alive()
    thread.join(timeout=30)
    assert outcome == ["link_refused"]
    assert "evil.example" not in message(third)

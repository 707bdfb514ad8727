import datetime

import pytest
from django.urls import reverse

from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind, NotificationMode
from codes.tests.factories import make_car, make_pair, page_text
from siecle.models import LegalRank

# The pair and student screens read the account block live in the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

MANAGE = reverse("car:manage")


def pair_url(link, **query):
    from urllib.parse import urlencode

    url = reverse("car:pair", args=[link.pk])
    return f"{url}?{urlencode(query)}" if query else url


def action_url(link, action):
    return reverse("car:pair_action", args=[link.pk, action])


def test_search_by_first_letters_of_the_student_name(head_client, school):
    durand = make_pair(school, last_name="Durand")
    make_pair(school, last_name="Martin")
    response = head_client.get(MANAGE, {"nom": "dur"})
    assert [r.pk for r in response.context["page"].object_list] == [durand.pk]
    assert "Gérer les codes" in page_text(response)


def test_the_list_shows_the_valid_code_facts(head_client, school):
    link = make_pair(school, last_name="Durand")
    make_car(
        link, notified=datetime.date(2026, 12, 7), mode=NotificationMode.LETTER, continuity=datetime.date(2026, 12, 8)
    )
    body = page_text(head_client.get(MANAGE, {"nom": "D"}))
    assert "07/12/2026" in body and "Courrier" in body and "08/12/2026" in body and "(Légal 1)" in body


def test_the_list_is_paginated(head_client, school):
    for i in range(55):
        make_pair(school, last_name=f"P{i:03d}", division="3A")
    response = head_client.get(MANAGE, {"nom": "P"})
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 sur 2" in page_text(response)
    response = head_client.get(MANAGE, {"nom": "P", "page": 2})
    assert len(response.context["page"].object_list) == 5


@pytest.mark.parametrize("size", [3, 45])
def test_the_list_takes_a_constant_number_of_queries(head_client, school, size, django_assert_max_num_queries):
    for i in range(size):
        make_car(make_pair(school, last_name=f"Q{i:03d}", division=f"D{i % 4}"))
    with django_assert_max_num_queries(12):
        response = head_client.get(MANAGE, {"nom": "Q"})
    assert len(response.context["page"].object_list) == min(size, 50)


def test_the_pair_screen_shows_guardian_student_access_and_code_history(head_client, school):
    link = make_pair(school, last_name="Durand", birth_date=datetime.date(2012, 9, 9))
    code = make_car(link, notified=datetime.date(2026, 9, 26), mode=NotificationMode.EMAIL)
    body = page_text(head_client.get(pair_url(link)))
    assert link.guardian.email in body and "32 rue Camille Pelletan" in body and "(Légal 1)" in body
    assert "né(e) le 09/09/2012" in body and "3EME" in body and "3A" in body
    assert "Accède aux téléservices" in body and "Enlever l'accès" in body
    assert code.display in body and "26/09/2026" in body and "Mél" in body
    for button in ("Nouveau code", "Invalider le code", "Retourner à la liste"):
        assert button in body


def test_new_code_from_the_pair_screen_invalidates_the_valid_one(head_client, school):
    link = make_pair(school)
    old = make_car(link)
    response = head_client.post(action_url(link, "nouveau"), {"retour": MANAGE + "?nom=D"}, follow=True)
    body = page_text(response)
    assert "Un nouveau code valide a été créé" in body
    old.refresh_from_db()
    assert not old.is_valid
    new = ActivationCode.objects.get(link=link, is_valid=True)
    assert new.display in body and "Création" in body and "Invalidation" in body
    assert 'href="/responsables/gerer/?nom=D"' in response.content.decode()


def test_invalidate_from_the_pair_screen(head_client, school):
    link = make_pair(school)
    code = make_car(link)
    response = head_client.post(action_url(link, "invalider"), follow=True)
    assert "Le code est invalidé" in page_text(response)
    code.refresh_from_db()
    assert not code.is_valid
    response = head_client.post(action_url(link, "invalider"), follow=True)
    assert "pas de code valide" in page_text(response)


def test_removing_and_authorising_the_access_from_the_pair_screen(head_client, school):
    link = make_pair(school)
    code = make_car(link)
    body = page_text(head_client.post(action_url(link, "enlever"), follow=True))
    assert "L'accès est enlevé" in body and "Autoriser l'accès" in body and "refus enregistré" in body
    code.refresh_from_db()
    assert not code.is_valid
    body = page_text(head_client.post(action_url(link, "nouveau"), follow=True))
    assert "refusé l'accès" in body
    assert not ActivationCode.objects.filter(link=link, is_valid=True).exists()
    body = page_text(head_client.post(action_url(link, "autoriser"), follow=True))
    assert "de nouveau autorisé" in body
    assert not AccessRefusal.objects.filter(link=link).exists()
    events = list(CodeEvent.objects.filter(link=link).order_by("pk").values_list("event", "by__username"))
    assert events == [
        (EventKind.INVALIDATION, "chef"),
        (EventKind.REFUSAL, "chef"),
        (EventKind.REFUSAL_LIFTED, "chef"),
    ]


def test_the_back_link_never_leads_to_another_site(head_client, school):
    link = make_pair(school)
    body = head_client.get(pair_url(link, retour="https://evil.example/")).content.decode()
    assert "evil.example" not in body


def test_actions_are_post_only(head_client, school):
    link = make_pair(school)
    assert head_client.get(action_url(link, "nouveau")).status_code == 405
    assert head_client.post(action_url(link, "inconnue")).status_code == 404


def test_bulk_refusal_entry_records_and_lifts_refusals(head_client, school):
    links = [make_pair(school, last_name=f"R{i}") for i in range(3)]
    code = make_car(links[0])
    url = reverse("car:refusals") + "?nom=R"
    body = page_text(head_client.post(url, {"action": "refuser", "couples": [links[0].pk, links[1].pk]}, follow=True))
    assert "2 refus enregistrés" in body
    code.refresh_from_db()
    assert not code.is_valid
    assert set(AccessRefusal.objects.filter(kind=CodeKind.CAR).values_list("link_id", flat=True)) == {
        links[0].pk,
        links[1].pk,
    }
    body = page_text(head_client.post(url, {"action": "autoriser", "couples": [links[1].pk]}, follow=True))
    assert "1 refus levé" in body
    assert list(AccessRefusal.objects.values_list("link_id", flat=True)) == [links[0].pk]


def test_the_pairs_csv_lists_what_the_screen_shows(head_client, school):
    link = make_pair(school, last_name="Durand")
    make_car(link, notified=datetime.date(2026, 12, 7), mode=NotificationMode.LETTER)
    response = head_client.get(reverse("car:export", args=["couples"]), {"nom": "dur"})
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert "Durand" in lines[1] and "07/12/2026" in lines[1] and "Courrier" in lines[1] and "Légal 1" in lines[1]


def test_unknown_export_is_not_found(head_client):
    assert head_client.get(reverse("car:export", args=["nimporte"])).status_code == 404


def test_another_schools_head_gets_404_on_every_pair_url(other_client, school):
    link = make_pair(school)
    code = make_car(link)
    assert other_client.get(pair_url(link)).status_code == 404
    for action in ("nouveau", "invalider", "enlever", "autoriser"):
        assert other_client.post(action_url(link, action)).status_code == 404
    code.refresh_from_db()
    assert code.is_valid
    assert not AccessRefusal.objects.exists()


def test_another_schools_head_cannot_refuse_through_the_list(other_client, school):
    link = make_pair(school)
    other_client.post(reverse("car:refusals"), {"action": "refuser", "couples": [link.pk]})
    assert not AccessRefusal.objects.exists()


def test_another_schools_lists_and_exports_show_nothing_of_this_school(other_client, school):
    make_pair(school, last_name="Secret")
    assert "Secret" not in other_client.get(MANAGE, {"nom": "S"}).content.decode()
    text = b"".join(other_client.get(reverse("car:export", args=["couples"])).streaming_content).decode()
    assert "Secret" not in text


@pytest.mark.parametrize("size", [3, 45])
def test_the_refusal_list_takes_a_constant_number_of_queries(head_client, school, size, django_assert_max_num_queries):
    for i in range(size):
        make_pair(school, last_name=f"Q{i:03d}", division=f"D{i % 4}")
    with django_assert_max_num_queries(12):
        response = head_client.get(reverse("car:refusals"), {"nom": "Q"})
    assert len(response.context["page"].object_list) == min(size, 50)


def test_a_tampered_selection_is_refused_with_a_message(head_client, school):
    make_pair(school)
    response = head_client.post(reverse("car:refusals"), {"action": "refuser", "couples": ["abc"]}, follow=True)
    assert "La sélection envoyée n'est pas valide" in page_text(response)
    assert not AccessRefusal.objects.exists()


def test_a_division_of_another_school_in_the_search_lists_nothing_and_says_why(head_client, school, other_school):
    make_pair(school, last_name="Visible")
    foreign = make_pair(other_school, division="9Z").student.division
    response = head_client.get(MANAGE, {"nom": "", "division": foreign.pk})
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Visible" not in page_text(response)
    assert "Sélectionnez un choix valide" in page_text(response)


def test_accented_names_are_sorted_with_their_letter(head_client, school):
    for name in ("Fabre", "Étienne", "Durand"):
        make_pair(school, last_name=name)
    response = head_client.get(MANAGE, {"nom": ""})
    assert [r.student.last_name for r in response.context["page"].object_list] == ["Durand", "Étienne", "Fabre"]


def test_new_code_says_the_old_one_is_invalidated_only_when_there_was_one(head_client, school):
    link = make_pair(school)
    body = page_text(head_client.post(action_url(link, "nouveau"), follow=True))
    assert "Un nouveau code valide a été créé." in body and "l'ancien code" not in body
    body = page_text(head_client.post(action_url(link, "nouveau"), follow=True))
    assert "Un nouveau code valide a été créé ; l'ancien code est invalidé." in body
    assert ActivationCode.objects.filter(link=link).count() == 2


def test_the_pair_screen_says_why_its_buttons_are_disabled(head_client, school):
    other = make_pair(school, rank=LegalRank.OTHER)
    body = page_text(head_client.get(pair_url(other)))
    assert 'disabled aria-describedby="why-no-new-code"' in body
    assert 'id="why-no-new-code">Seuls les responsables légaux 1 et 2 reçoivent un code.' in body
    assert 'disabled aria-describedby="why-no-invalidation"' in body
    assert 'id="why-no-invalidation">Ce couple n\'a pas de code valide à invalider.' in body
    legal = make_pair(school)
    make_car(legal)
    body = page_text(head_client.get(pair_url(legal)))
    assert "disabled" not in body.split('id="codes-title"')[1].split("</section>")[0]


def test_the_bulk_refusal_button_asks_with_the_number_of_checked_pairs(head_client, school):
    make_pair(school, last_name="RICHARD")
    body = page_text(head_client.get(reverse("car:refusals"), {"nom": "R"}))
    assert 'data-codes-confirm-count="couples"' in body
    assert "Enregistrer le refus des {n} couples cochés ?" in body
    assert "Enregistrer le refus du couple coché ?" in body


def test_a_student_and_his_division_stay_on_one_line_in_the_lists(head_client, school):
    make_pair(school, last_name="DE LA FONTAINE-MARTIN", first_name="Jean-Baptiste", division="3 A2")
    for url in (MANAGE, reverse("car:refusals")):
        body = page_text(head_client.get(url, {"nom": "DE LA"}))
        assert '<span class="ts-student">DE LA FONTAINE-MARTIN Jean-Baptiste (3 A2)</span>' in body, url
        assert 'class="table-responsive"' in body


def test_removing_the_access_mentions_the_code_only_when_one_was_invalidated(head_client, school):
    with_code = make_pair(school)
    make_car(with_code)
    body = page_text(head_client.post(action_url(with_code, "enlever"), follow=True))
    assert "L'accès est enlevé : le refus est enregistré et le code valide est invalidé." in body
    without = make_pair(school)
    body = page_text(head_client.post(action_url(without, "enlever"), follow=True))
    assert "L'accès est enlevé : le refus est enregistré." in body and "code valide est invalidé" not in body
    assert AccessRefusal.objects.filter(link=without).exists()

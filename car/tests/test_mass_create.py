import datetime
import re

import pytest
from django.urls import reverse

from car import services
from codes.models import ActivationCode, CodeKind, NotificationMode
from codes.tests.factories import make_car, make_pair, page_text
from siecle.models import LegalRank

pytestmark = pytest.mark.django_db

URL = reverse("car:mass_create")


def test_without_an_open_service_the_page_says_so_and_creates_nothing(head_client, school):
    link = make_pair(school)
    response = head_client.get(URL, {"population": "tous", "filtre": "sans"})
    assert "Aucun téléservice n'est ouvert" in page_text(response)
    assert 'name="couples"' not in page_text(response)
    response = head_client.post(
        f"{URL}?population=tous&filtre=sans", {"action": "creer", "couples": [link.pk]}, follow=True
    )
    assert "Aucun téléservice n'est ouvert" in page_text(response)
    assert not ActivationCode.objects.filter(link=link).exists()


def test_the_list_shows_legal_pairs_with_their_address_and_rank(head_client, school, open_service):
    link = make_pair(school, last_name="MARTIN", rank=LegalRank.LEGAL_2)
    make_pair(school, last_name="OTHER", rank=LegalRank.OTHER)
    response = head_client.get(URL, {"population": "tous", "filtre": "sans"})
    body = page_text(response)
    assert "MARTIN" in body and "Légal 2" in body and "32 rue Camille Pelletan" in body
    assert "OTHER" not in body
    assert f'name="couples" value="{link.pk}"' in body
    assert "A un code valide" not in body  # the three extra columns come only with "Tous"


def test_filter_all_shows_the_extra_columns_and_disables_pairs_with_a_code_or_a_refusal(
    head_client, school, head, open_service
):
    with_code = make_pair(school, last_name="AVEC")
    make_car(with_code, notified=datetime.date(2026, 10, 9), mode=NotificationMode.LETTER)
    refused = make_pair(school, last_name="REFUS")
    services.car_refusal_record(link=refused, by=head)
    free = make_pair(school, last_name="LIBRE")
    response = head_client.get(URL, {"population": "tous", "filtre": "tous"})
    body = page_text(response)
    assert "A un code valide" in body and "Date de notification" in body and "Date de continuité d'accès" in body
    assert "09/10/2026" in body
    rows = response.context["rows"]
    assert {r.pk for r in rows} == {with_code.pk, refused.pk, free.pk}
    import re

    disabled = re.findall(r'name="couples" value="(\d+)"[^>]*disabled', body, flags=re.S)
    assert sorted(int(x) for x in disabled) == sorted([with_code.pk, refused.pk])
    checked = re.findall(r'name="couples" value="(\d+)"[^>]*checked', body, flags=re.S)
    assert [int(x) for x in checked] == [free.pk]


def test_filter_without_code_hides_pairs_that_have_one(head_client, school, open_service):
    with_code = make_pair(school, last_name="AVEC")
    make_car(with_code)
    free = make_pair(school, last_name="LIBRE")
    response = head_client.get(URL, {"population": "tous", "filtre": "sans"})
    assert [r.pk for r in response.context["rows"]] == [free.pk]


def test_population_by_division_and_by_mef(head_client, school, open_service):
    a = make_pair(school, division="3A", mef="3EME", last_name="ALPHA")
    b = make_pair(school, division="4B", mef="4EME", last_name="BETA")
    response = head_client.get(URL, {"population": "division", "division": a.student.division_id, "filtre": "sans"})
    assert [r.pk for r in response.context["rows"]] == [a.pk]
    response = head_client.get(URL, {"population": "mef", "mef": b.student.mef_id, "filtre": "sans"})
    assert [r.pk for r in response.context["rows"]] == [b.pk]
    response = head_client.get(URL, {"population": "mef", "filtre": "sans"})
    assert "Choisissez le MEF." in page_text(response)


def test_checked_pairs_get_their_code_and_a_double_submission_creates_nothing_twice(head_client, school, open_service):
    links = [make_pair(school, last_name=f"N{i}") for i in range(3)]
    query = "?population=tous&filtre=sans"
    data = {"action": "creer", "couples": [x.pk for x in links[:2]]}
    response = head_client.post(URL + query, data, follow=True)
    assert "2 codes créés." in page_text(response)
    assert response.redirect_chain[-1][0] == URL + query
    response = head_client.post(URL + query, data, follow=True)
    assert "Aucun code créé." in page_text(response) and "2 couples ignorés" in page_text(response)
    assert ActivationCode.objects.filter(kind=CodeKind.CAR).count() == 2
    assert not ActivationCode.objects.filter(link=links[2]).exists()


def test_posting_nothing_checked_says_so(head_client, school, open_service):
    make_pair(school)
    response = head_client.post(URL + "?population=tous&filtre=sans", {"action": "creer"}, follow=True)
    assert "Cochez au moins une ligne" in page_text(response)


def test_an_unnotified_code_can_be_withdrawn_from_the_list(head_client, school, open_service):
    link = make_pair(school)
    code = make_car(link)
    body = page_text(head_client.get(URL, {"population": "tous", "filtre": "tous"}))
    assert f'name="retraits" value="{link.pk}"' in body
    response = head_client.post(
        URL + "?population=tous&filtre=tous", {"action": "retirer", "retraits": [link.pk]}, follow=True
    )
    assert "1 code non notifié invalidé" in page_text(response)
    code.refresh_from_db()
    assert not code.is_valid


def test_another_schools_pairs_are_never_created_from_this_school(other_client, school, other_school, other_head):
    from services.services import service_open, teleservices_activate

    teleservices_activate(school=other_school, by=other_head)
    service_open(school=other_school, service="notes", by=other_head)
    link = make_pair(school)
    other_client.post(URL + "?population=tous&filtre=sans", {"action": "creer", "couples": [link.pk]})
    assert not ActivationCode.objects.filter(link=link).exists()


@pytest.mark.parametrize("size", [3, 40])
def test_the_list_takes_a_constant_number_of_queries(
    head_client, school, open_service, size, django_assert_max_num_queries
):
    for i in range(size):
        make_pair(school, last_name=f"Q{i:03d}", division=f"D{i % 3}")
    with django_assert_max_num_queries(14):
        response = head_client.get(URL, {"population": "tous", "filtre": "tous"})
    assert len(response.context["rows"]) == size


def test_the_csv_export_neutralises_formulas(head_client, school, open_service):
    make_pair(school, last_name="=HYPERLINK(1)")
    response = head_client.get(reverse("car:export", args=["creation"]), {"population": "tous", "filtre": "sans"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeffÉlève;Division")
    assert "'=HYPERLINK(1)" in text


def test_names_are_escaped_in_the_list(head_client, school, open_service):
    make_pair(school, last_name="<script>alert(1)</script>")
    body = head_client.get(URL, {"population": "tous", "filtre": "tous"}).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- QA: paginated list, "tout cocher" on the server, forged input ------------------------


@pytest.fixture
def small_pages(monkeypatch):
    from car import views

    monkeypatch.setattr(views, "MASS_PAGE_SIZE", 2)


def test_the_list_is_shown_page_by_page_with_the_counts_of_the_whole_selection(
    head_client, school, open_service, small_pages
):
    links = [make_pair(school, last_name=f"P{i}") for i in range(5)]
    make_car(links[0])
    response = head_client.get(URL, {"population": "tous", "filtre": "tous"})
    body = " ".join(page_text(response).split())
    assert [r.pk for r in response.context["rows"]] == [links[0].pk, links[1].pk]
    assert "5 couples dans la sélection, dont 4 pouvant recevoir un code ; lignes 1 à 2 affichées." in body
    assert "Page 1 sur 3" in body
    assert 'name="tout" value="1"' in body and "les 4 couples de la sélection" in body
    response = head_client.get(URL, {"population": "tous", "filtre": "tous", "page": 3})
    assert [r.pk for r in response.context["rows"]] == [links[4].pk]


def test_tout_cocher_creates_the_codes_of_every_creatable_pair_of_the_selection(
    head_client, school, head, open_service, small_pages
):
    in_3a = [make_pair(school, division="3A", last_name=f"A{i}") for i in range(5)]
    make_car(in_3a[0])
    services.car_refusal_record(link=in_3a[1], by=head)
    in_3b = make_pair(school, division="3B", last_name="B")
    query = f"?population=division&division={in_3a[0].student.division_id}&filtre=sans"
    # The boxes of the first page only are sent, "tout cocher" stands for the three pages.
    response = head_client.post(URL + query, {"action": "creer", "tout": "1", "couples": [in_3a[2].pk]}, follow=True)
    assert "3 codes créés." in page_text(response)
    assert all(ActivationCode.objects.filter(link=x, is_valid=True).count() == 1 for x in in_3a[2:])
    assert ActivationCode.objects.filter(link=in_3a[0]).count() == 1
    assert not ActivationCode.objects.filter(link=in_3a[1]).exists()
    assert not ActivationCode.objects.filter(link=in_3b).exists()
    response = head_client.post(URL + query, {"action": "creer", "tout": "1"}, follow=True)
    assert "Aucun code créé." in page_text(response)
    assert ActivationCode.objects.filter(kind=CodeKind.CAR).count() == 4


def test_without_tout_cocher_only_the_checked_lines_get_a_code(head_client, school, open_service, small_pages):
    links = [make_pair(school, last_name=f"C{i}") for i in range(4)]
    response = head_client.post(
        URL + "?population=tous&filtre=sans", {"action": "creer", "couples": [links[3].pk]}, follow=True
    )
    assert "1 code créé." in page_text(response)
    assert list(ActivationCode.objects.filter(kind=CodeKind.CAR).values_list("link_id", flat=True)) == [links[3].pk]


def test_tout_cocher_with_broken_criteria_creates_nothing(head_client, school, open_service):
    make_pair(school)
    response = head_client.post(URL + "?population=mef&filtre=sans", {"action": "creer", "tout": "1"}, follow=True)
    assert "Les critères de la liste ne sont pas valides" in page_text(response)
    response = head_client.post(URL, {"action": "creer", "tout": "1"}, follow=True)
    assert "Les critères de la liste ne sont pas valides" in page_text(response)
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()


def test_tout_cocher_of_another_school_never_reaches_this_school(other_client, school, other_school, other_head):
    from services.services import service_open, teleservices_activate

    teleservices_activate(school=other_school, by=other_head)
    service_open(school=other_school, service="notes", by=other_head)
    link = make_pair(school)
    other_link = make_pair(other_school)
    response = other_client.post(
        URL + "?population=tous&filtre=sans", {"action": "creer", "tout": "1", "couples": [link.pk]}, follow=True
    )
    assert "1 code créé." in page_text(response)
    assert not ActivationCode.objects.filter(link=link).exists()
    assert ActivationCode.objects.filter(link=other_link, is_valid=True).exists()


@pytest.mark.parametrize(
    "forged", [["99999999999999999999999"], ["-3"], ["0"], ["1.5"], [""], ["9" * 5000], ["1", "abc"]]
)
@pytest.mark.parametrize("action", ["creer", "retirer"])
def test_forged_ids_are_refused_with_a_message_and_change_nothing(head_client, school, open_service, forged, action):
    link = make_pair(school)
    field = "retraits" if action == "retirer" else "couples"
    response = head_client.post(
        URL + "?population=tous&filtre=tous", {"action": action, field: [*forged, link.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "La sélection envoyée n'est pas valide" in page_text(response)
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()


def test_an_unknown_action_or_an_empty_post_changes_nothing(head_client, school, open_service):
    link = make_pair(school)
    for data in ({}, {"action": "supprimer", "couples": [link.pk]}, {"couples": [link.pk]}):
        response = head_client.post(URL + "?population=tous&filtre=sans", data, follow=True)
        assert response.status_code == 200
        assert "Action inconnue : rechargez la page" in page_text(response)
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()


@pytest.mark.parametrize("size", [3, 12])
def test_a_page_of_a_long_list_takes_a_constant_number_of_queries(
    head_client, school, open_service, size, small_pages, django_assert_max_num_queries
):
    for i in range(size):
        make_pair(school, last_name=f"L{i:03d}")
    with django_assert_max_num_queries(14):
        response = head_client.get(URL, {"population": "tous", "filtre": "tous", "page": 2})
    assert len(response.context["rows"]) == 1 if size == 3 else 2


def test_the_pairs_are_read_through_joins_not_a_subquery_of_students(school):
    """`student_id IN (SELECT ...)` made the planners cross every guardian with every student
    (8 s on SQLite, 20 s on PostgreSQL without statistics, for 2,500 students)."""
    from car.selectors import car_pairs
    from codes.selectors import Selection

    sql = str(car_pairs(school=school, selection=Selection(name_prefix="DU"), without_valid_code=True).query)
    assert "IN (SELECT" not in sql.upper()
    assert sql.count('"car_activationcode"') == 1  # the valid-code join is not made twice


@pytest.mark.parametrize("size", [3, 30])
def test_tout_cocher_takes_a_constant_number_of_queries(
    head_client, school, open_service, size, small_pages, django_assert_max_num_queries
):
    for i in range(size):
        make_pair(school, last_name=f"T{i:03d}")
    with django_assert_max_num_queries(20):
        response = head_client.post(URL + "?population=tous&filtre=sans", {"action": "creer", "tout": "1"})
    assert response.status_code == 302
    assert ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True).count() == size


def test_after_a_mass_creation_a_recap_counts_codes_and_skipped_pairs_and_leads_to_notification(
    head_client, school, head, open_service
):
    free = [make_pair(school, last_name=f"LIBRE{i}") for i in range(2)]
    has_code = make_pair(school, last_name="AVEC")
    make_car(has_code)
    refused = make_pair(school, last_name="REFUS")
    services.car_refusal_record(link=refused, by=head)
    other = make_pair(school, last_name="AUTRE", rank=LegalRank.OTHER)
    checked = [*free, has_code, refused, other]
    response = head_client.post(
        URL + "?population=tous&filtre=tous", {"action": "creer", "couples": [x.pk for x in checked]}, follow=True
    )
    body = page_text(response)
    assert (
        "2 codes créés. 3 couples ignorés : 1 avait déjà un code valide, 1 a refusé l'accès, "
        "1 n'est pas un responsable légal d'un élève présent."
    ) in body
    assert (
        f'<a href="{reverse("notifications:guardians")}" class="alert-link">Notifier les codes aux responsables</a>'
        in body
    )
    assert ActivationCode.objects.filter(kind=CodeKind.CAR, is_valid=True).count() == 3


def test_when_nothing_is_created_the_recap_offers_no_notification(head_client, school, open_service):
    link = make_pair(school)
    make_car(link)
    response = head_client.post(
        URL + "?population=tous&filtre=tous", {"action": "creer", "couples": [link.pk]}, follow=True
    )
    body = page_text(response)
    assert "Aucun code créé. 1 couple ignoré : 1 avait déjà un code valide." in body
    (alert,) = re.findall(r'role="alert">(.*?)</div>', body, flags=re.S)
    assert "Aucun code créé." in alert and "href" not in alert


def test_a_disabled_box_says_why_in_words_linked_to_the_box(head_client, school, head, open_service):
    with_code = make_pair(school, last_name="AVEC")
    make_car(with_code)
    refused = make_pair(school, last_name="REFUS")
    services.car_refusal_record(link=refused, by=head)
    body = page_text(head_client.get(URL, {"population": "tous", "filtre": "tous"}))
    for link, reason in ((with_code, "A déjà un code valide"), (refused, "Accès refusé")):
        assert f'aria-describedby="pourquoi-{link.pk}"' in body
        assert f'<span class="ts-why" id="pourquoi-{link.pk}">{reason}</span>' in body
    assert "Indisponible : chaque couple de la sélection a déjà un code valide ou a refusé l'accès." in body
    assert '<span class="ts-student">AVEC' in body


def test_the_withdrawal_button_asks_with_the_number_of_checked_codes(head_client, school, open_service):
    make_car(make_pair(school))
    body = page_text(head_client.get(URL, {"population": "tous", "filtre": "tous"}))
    assert 'data-codes-confirm-count="retraits"' in body
    assert "Les {n} codes non notifiés cochés seront invalidés définitivement." in body

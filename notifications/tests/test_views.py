"""The notification screens as a head uses them: C3, D2, the result page, "Notifier code"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from codes.models import ActivationCode, CodeKind
from codes.tests.factories import day, make_car, make_pair, page_text
from jobs.models import Job
from notifications.models import OutboxMessage
from notifications.services import RUN_KIND
from services.services import service_open, teleservices_activate
from siecle.factories import StudentFactory

# The pair and student screens read the account block live in the téléservices database.
pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

GUARDIANS = reverse("notifications:guardians")
STUDENTS = reverse("notifications:students")
CRITERIA = {"population": "tous", "rangs": ["1", "2"], "qui": "all"}


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


def _pair(school, *, name, email=True, address=True, **kwargs):
    link = make_pair(school, last_name=name, **kwargs)
    guardian = link.guardian
    guardian.civility, guardian.last_name, guardian.first_name = "MME", name, "Anne"
    guardian.email = f"{name.lower()}@famille.example" if email else ""
    if not address:
        guardian.address_line1 = guardian.postcode = guardian.city = ""
    guardian.save()
    return link


def _query(**extra) -> str:
    from urllib.parse import urlencode

    return urlencode({**CRITERIA, **extra}, doseq=True)


# --- C3 ------------------------------------------------------------------------------------------


def test_the_menu_entry_leads_to_the_guardians_screen(head_client, opened):
    body = page_text(head_client.get(reverse("home")))
    assert GUARDIANS in body and STUDENTS in body
    assert "Notifier en masse les responsables" in page_text(head_client.get(GUARDIANS))


def test_the_list_appears_only_once_a_mode_is_ticked(head_client, opened):
    link = _pair(opened, name="DUPONT")
    make_car(link)
    assert "Liste des notifications" not in page_text(head_client.get(f"{GUARDIANS}?{_query()}"))
    body = page_text(head_client.get(f"{GUARDIANS}?{_query(courriel='on')}"))
    assert "Liste des notifications" in body and "MME DUPONT Anne" in body and "dupont@famille.example" in body


def test_the_address_column_follows_the_mode(head_client, opened):
    make_car(_pair(opened, name="PAPIER", email=False))
    email_only = page_text(head_client.get(f"{GUARDIANS}?{_query(courriel='on')}"))
    paper = page_text(head_client.get(f"{GUARDIANS}?{_query(papier='on')}"))
    assert "HOUILLES" not in email_only
    assert "HOUILLES" in paper


def test_continuity_rows_are_shown_in_red_with_their_date(head_client, opened):
    make_car(_pair(opened, name="SUITE"), continuity=day("2026-10-10"), notified=day("2026-09-26"), mode="C")
    response = head_client.get(f"{GUARDIANS}?{_query(courriel='on', papier='on')}")
    body = page_text(response)
    assert 'class="ts-continuity"' in body and "10/10/2026" in body and "26/09/2026" in body and "Courrier" in body


def test_nothing_matching_shows_the_manuals_warning(head_client, opened):
    body = page_text(head_client.get(f"{GUARDIANS}?{_query(courriel='on')}"))
    assert "Aucun couple élève / responsable n'existe pour cette sélection." in body


def test_no_open_service_is_warned_and_needs_the_confirmation(head_client, school):
    make_car(_pair(school, name="DUPONT"))
    url = f"{GUARDIANS}?{_query(courriel='on')}"
    body = page_text(head_client.get(url))
    assert "Aucun téléservice n'est ouvert" in body and "Je confirme l'envoi" in body
    response = head_client.post(url, {})
    assert response.status_code == 200 and not OutboxMessage.objects.exists()
    assert "Aucun téléservice n'est ouvert" in page_text(response)
    response = head_client.post(url, {"sans_service": "on"})
    assert response.status_code == 302 and OutboxMessage.objects.count() == 1


def test_notifier_sends_and_the_result_page_shows_counts_and_skipped(head_client, opened):
    make_car(_pair(opened, name="COURRIEL"))
    make_car(_pair(opened, name="PERSONNE", email=False, address=False))
    response = head_client.post(f"{GUARDIANS}?{_query(courriel='on', papier='on')}", {})
    assert response.status_code == 302
    run = Job.objects.get(kind=RUN_KIND)
    assert response["Location"] == reverse("notifications:run", kwargs={"job_id": run.pk})
    page = head_client.get(response["Location"])
    assert '<meta http-equiv="refresh" content="10">' in page.content.decode()  # the counts follow by themselves
    body = page_text(page)
    assert "1 courriel à envoyer" in body and "En attente d'envoi" in body
    assert "MME PERSONNE Anne" not in body  # the addressee is written "Madame Anne PERSONNE"
    assert "Madame Anne PERSONNE" in body and "pas d'adresse postale" in body


def test_the_same_notifier_form_posted_twice_sends_once(head_client, opened):
    make_car(_pair(opened, name="COURRIEL"))
    make_car(_pair(opened, name="PAPIER", email=False))
    url = f"{GUARDIANS}?{_query(courriel='on', papier='on')}"
    page = head_client.get(url).content.decode()
    token = page.split('name="jeton" value="')[1].split('"')[0]

    first = head_client.post(url, {"jeton": token})
    second = head_client.post(url, {"jeton": token}, follow=True)  # a double click, or "back" and resend

    run = Job.objects.get(kind=RUN_KIND)
    assert first["Location"] == reverse("notifications:run", kwargs={"job_id": run.pk})
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "déjà été lancé" in page_text(second)
    assert OutboxMessage.objects.count() == 1 and Job.objects.filter(kind="notify_letters").count() == 1
    # A new display of the screen is a new form: it may send again.
    page = head_client.get(url).content.decode()
    assert token not in page
    head_client.post(url, {"jeton": page.split('name="jeton" value="')[1].split('"')[0]})
    assert Job.objects.filter(kind=RUN_KIND).count() == 2


def test_a_refused_notifier_post_frees_its_form_for_a_retry(head_client, school):
    make_car(_pair(school, name="COURRIEL"))  # no service open: the confirmation is needed
    url = f"{GUARDIANS}?{_query(courriel='on')}"
    token = head_client.get(url).content.decode().split('name="jeton" value="')[1].split('"')[0]
    head_client.post(url, {"jeton": token})
    assert not Job.objects.filter(kind=RUN_KIND).exists()
    response = head_client.post(url, {"jeton": token, "sans_service": "on"})
    assert response["Location"] == reverse("notifications:run", kwargs={"job_id": Job.objects.get(kind=RUN_KIND).pk})


def test_notifier_starts_the_letters_job_and_the_page_shows_its_progress(head_client, opened):
    make_car(_pair(opened, name="PAPIER", email=False))
    response = head_client.post(f"{GUARDIANS}?{_query(courriel='on', papier='on')}", {})
    body = page_text(head_client.get(response["Location"]))
    letters = Job.objects.get(kind="notify_letters")
    assert "Préparation des courriers" in body and reverse("jobs:status", args=[letters.pk]) in body


def test_a_failed_letters_job_says_so(head_client, opened):
    make_car(_pair(opened, name="PAPIER", email=False))
    response = head_client.post(f"{GUARDIANS}?{_query(papier='on')}", {})
    Job.objects.filter(kind="notify_letters").update(state="failed", message="Rendu impossible")
    body = page_text(head_client.get(response["Location"]))
    assert "La préparation des courriers a échoué : Rendu impossible" in body
    assert "Aucun code n'a été compté comme notifié par courrier" in body


def test_the_guardians_page_reads_in_constant_queries(head_client, opened, django_assert_max_num_queries):
    def fill(n, start):
        for i in range(start, start + n):
            make_car(_pair(opened, name=f"NOM{i}", division=f"D{i % 4}"))

    fill(3, 0)
    url = f"{GUARDIANS}?{_query(courriel='on', papier='on')}"
    with django_assert_max_num_queries(12) as few:
        head_client.get(url)
    fill(40, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = head_client.get(url)
    assert "43 couples" in page_text(response)


def test_another_schools_run_page_is_not_found(head_client, other_client, opened):
    make_car(_pair(opened, name="COURRIEL"))
    response = head_client.post(f"{GUARDIANS}?{_query(courriel='on')}", {})
    assert other_client.get(response["Location"]).status_code == 404
    letters = Job.objects.create(school=opened, kind="notify_letters")
    assert head_client.get(reverse("notifications:run", kwargs={"job_id": letters.pk})).status_code == 404


def test_another_schools_division_lists_nothing_of_it(head_client, opened, other_school):
    theirs = make_pair(other_school, last_name="ETRANGER")
    make_car(theirs)
    response = head_client.get(
        f"{GUARDIANS}?{_query(courriel='on', population='division', division=theirs.student.division_id)}"
    )
    assert response.status_code == 200 and "ETRANGER" not in page_text(response)


# --- D2 -------------------------------------------------------------------------------------------


def test_students_list_filters_and_hides_the_date_for_never_notified(head_client, opened):
    StudentFactory(school=opened, last_name="NOUVEAU")
    old = StudentFactory(school=opened, last_name="ANCIEN")
    ActivationCode.objects.filter(student=old, kind=CodeKind.CAE).update(notified_at=day("2026-09-21"))
    new_only = page_text(head_client.get(STUDENTS, {"population": "tous", "qui": "new", "refus": "all"}))
    assert "NOUVEAU" in new_only and "ANCIEN" not in new_only and "Date de notification" not in new_only
    every = page_text(head_client.get(STUDENTS, {"population": "tous", "qui": "all", "refus": "all"}))
    assert "ANCIEN" in every and "21/09/2026" in every


def test_students_notifier_starts_one_letters_job(head_client, opened):
    StudentFactory(school=opened)
    StudentFactory(school=opened)
    response = head_client.post(f"{STUDENTS}?population=tous&qui=all&refus=all", {})
    assert response.status_code == 302
    assert Job.objects.filter(kind="notify_letters", school=opened).count() == 1
    # The result page says where it came from: the students' screen, not the guardians' one.
    page = head_client.get(response["Location"]).content.decode()
    trail = page.split('aria-label="Fil d’Ariane"')[1].split("</nav>")[0]
    assert "Accès des Élèves" in trail and f'href="{STUDENTS}"' in trail
    assert "Accès des Responsables" not in trail


# --- "Notifier code" ------------------------------------------------------------------------------


def test_the_pair_screen_offers_notification_only_with_a_valid_code(head_client, opened):
    link = _pair(opened, name="SEUL")
    body = page_text(head_client.get(reverse("car:pair", args=[link.pk])))
    assert reverse("notifications:pair_notify", args=[link.pk]) not in body and "Pas de code valide" in body
    make_car(link)
    body = page_text(head_client.get(reverse("car:pair", args=[link.pk])))
    assert reverse("notifications:pair_notify", args=[link.pk]) in body and "par courriel" in body


def test_the_email_choice_is_disabled_without_an_address(head_client, opened):
    link = _pair(opened, name="SANSMAIL", email=False)
    make_car(link)
    body = page_text(head_client.get(reverse("car:pair", args=[link.pk])))
    assert "Pas de courriel dans SIECLE" in body


def test_notify_pair_by_email_then_the_result_page_leads_back(head_client, opened):
    link = _pair(opened, name="SEUL")
    make_car(link)
    response = head_client.post(reverse("notifications:pair_notify", args=[link.pk]), {"mode": "email"})
    assert response.status_code == 302 and OutboxMessage.objects.count() == 1
    body = page_text(head_client.get(response["Location"]))
    assert reverse("car:pair", args=[link.pk]) in body and "Retour au couple" in body


def test_notify_pair_with_a_bad_choice_says_so(head_client, opened):
    link = _pair(opened, name="SEUL", email=False)
    make_car(link)
    response = head_client.post(reverse("notifications:pair_notify", args=[link.pk]), {"mode": "email"}, follow=True)
    assert "pas d'adresse électronique valide" in page_text(response)
    response = head_client.post(reverse("notifications:pair_notify", args=[link.pk]), {"mode": "pigeon"}, follow=True)
    assert "Choisissez le courriel ou le courrier." in page_text(response)
    assert not OutboxMessage.objects.exists()


def test_the_student_screen_warns_then_starts_the_letter(head_client, opened):
    pupil = StudentFactory(school=opened)
    body = page_text(head_client.get(reverse("cae:student", args=[pupil.pk])))
    assert "L'élève sera compté comme notifié." in body
    response = head_client.post(reverse("notifications:student_notify", args=[pupil.pk]))
    assert response.status_code == 302 and Job.objects.filter(kind="notify_letters").count() == 1


def test_another_schools_pair_or_student_cannot_be_notified(other_client, opened):
    link = _pair(opened, name="SEUL")
    make_car(link)
    pupil = StudentFactory(school=opened)
    assert other_client.post(reverse("notifications:pair_notify", args=[link.pk]), {"mode": "email"}).status_code == 404
    assert other_client.post(reverse("notifications:student_notify", args=[pupil.pk])).status_code == 404
    assert not OutboxMessage.objects.exists() and not Job.objects.filter(kind="notify_letters").exists()


def test_the_students_page_reads_in_constant_queries(head_client, opened, django_assert_max_num_queries):
    for i in range(3):
        StudentFactory(school=opened, last_name=f"NOM{i}")
    url = f"{STUDENTS}?population=tous&qui=all&refus=all"
    with django_assert_max_num_queries(12) as few:
        head_client.get(url)
    for i in range(3, 40):
        StudentFactory(school=opened, last_name=f"NOM{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = head_client.get(url)
    assert "40 élèves" in page_text(response)


def test_notifier_without_a_mode_asks_for_one_and_sends_nothing(head_client, opened):
    make_car(_pair(opened, name="DUPONT"))
    response = head_client.post(f"{GUARDIANS}?{_query()}", {})
    assert response.status_code == 200
    assert "Cochez un mode de transmission" in page_text(response)
    assert not OutboxMessage.objects.exists() and not Job.objects.exists()

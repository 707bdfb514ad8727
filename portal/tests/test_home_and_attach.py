"""F3 home page and F2 "Rattacher un enfant"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from portal.models import Attachment, Code, Outbox
from portal.views_activation import CODE_REFUSED

from .factories import (
    PASSWORD,
    TsDivisionFactory,
    TsGuardianFactory,
    TsLinkFactory,
    TsSchoolFactory,
    TsStudentFactory,
    account_factory,
    guardian_code,
    student_code,
)

pytestmark = [pytest.mark.django_db(databases="__all__"), pytest.mark.urls("tsadmin.urls_portal")]


def _signed_in(account) -> Client:
    client = Client()
    assert client.post("/connexion/", {"login": account.login, "password": PASSWORD}).status_code == 302
    return client


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_the_home_page_shows_each_child_with_class_school_welcome_and_services():
    school = TsSchoolFactory(
        name="Collège Jean Moulin",
        welcome_html='Bienvenue !<br><a href="https://ent.example/">Notre ENT</a>',
        services=["absences", "notes"],
    )
    student = TsStudentFactory(
        school=school,
        first_name="Léa",
        last_name="DURAND",
        birth_date=dt.date(2013, 5, 14),
        division=TsDivisionFactory(school=school, code="6B"),
    )
    guardian = TsGuardianFactory(school=school, civility="MME", last_name="DURAND", first_name="Anne")
    link = TsLinkFactory(school=school, student=student, guardian=guardian)
    code, _ = guardian_code(school=school, student=student)
    Code.objects.filter(pk=code.pk).update(link=link)
    account = account_factory(codes=[code])
    page = _text(_signed_in(account).get("/"))
    assert "Bonjour Mme DURAND" in page
    assert "1 enfant est rattaché à votre compte" in page
    assert "Léa DURAND" in page and "14 mai 2013" in page and "Classe : 6B" in page
    assert "Collège Jean Moulin" in page and "1 rue des Écoles" in page
    assert 'Bienvenue !<br><a href="https://ent.example/" rel="noopener noreferrer nofollow">Notre ENT</a>' in page
    assert "Consultation des absences" in page and "Consultation des notes" in page
    assert f'href="/enfant/{student.pk}/absences/"' in page and f'href="/enfant/{student.pk}/notes/"' in page
    assert "bientôt disponible" not in page and "Consultation du livret" not in page


def test_the_services_are_listed_in_the_catalogues_order_whatever_the_copys_order():
    # The replication copies the open services sorted by code (absences, b2i, lpc, notes).
    school = TsSchoolFactory(services=["absences", "b2i", "lpc", "notes"])
    code, _ = guardian_code(school=school)
    page = _text(_signed_in(account_factory(codes=[code])).get("/"))
    labels = [
        "Consultation des absences",
        "Consultation du livret personnel de compétences",
        "Consultation des notes",
        "Brevet informatique et internet",
    ]
    assert [page.index(label) for label in labels] == sorted(page.index(label) for label in labels)


def test_the_welcome_message_is_cleaned_again_on_the_portal():
    school = TsSchoolFactory(
        welcome_html='Salut<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
    )
    code, _ = guardian_code(school=school)
    page = _text(_signed_in(account_factory(codes=[code])).get("/"))
    assert "Salut" in page
    assert "<script>alert" not in page and "onerror" not in page and "javascript:" not in page


def test_a_revoked_code_hides_its_child():
    kept, _ = guardian_code()
    revoked, _ = guardian_code()
    account = account_factory(codes=[kept, revoked])
    client = _signed_in(account)
    assert "2 enfants sont rattachés" in _text(client.get("/"))
    Code.objects.filter(pk=revoked.pk).delete()
    page = _text(client.get("/"))
    assert "1 enfant est rattaché" in page


def test_a_student_whose_access_was_refused_sees_nothing():
    student = TsStudentFactory(first_name="Hugo")
    code, _ = student_code(student=student)
    account = account_factory(codes=[code], kind="E")
    client = _signed_in(account)
    assert "Hugo" in _text(client.get("/"))
    student.access_refused = True
    student.save()
    page = _text(client.get("/"))
    assert "Votre accès n'est pas ouvert" in page and 'data-testid="child"' not in page


def test_the_home_page_costs_the_same_queries_for_one_or_many_children(django_assert_max_num_queries):
    codes = [guardian_code()[0] for _ in range(6)]
    account = account_factory(codes=codes)
    client = _signed_in(account)
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert "6 enfants sont rattachés" in _text(response)


def test_a_guardian_attaches_a_child_of_another_school():
    first, _ = guardian_code(school=TsSchoolFactory(name="Collège A"))
    account = account_factory(codes=[first])
    other_school = TsSchoolFactory(name="Lycée B")
    second, value = guardian_code(school=other_school, student=TsStudentFactory(school=other_school, first_name="Tom"))
    client = _signed_in(account)
    response = client.post("/rattacher/", {"code": value.lower(), "birth_date": "14/05/2013"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = _text(client.get("/"))
    assert "est maintenant rattaché(e)" in page
    assert "2 enfants sont rattachés" in page and "Collège A" in page and "Lycée B" in page and "Tom" in page
    assert Attachment.objects.filter(account=account).count() == 2
    assert Outbox.objects.filter(kind=Outbox.Kind.USAGE, code_id=second.id, account_id=account.pk).exists()


def test_a_student_code_cannot_be_attached_to_a_guardian_account_nor_the_reverse():
    first, _ = guardian_code()
    account = account_factory(codes=[first])
    _cae, cae_value = student_code()
    response = _signed_in(account).post("/rattacher/", {"code": cae_value, "birth_date": "14/05/2013"})
    assert response.status_code == 200 and CODE_REFUSED in _text(response)
    assert Attachment.objects.filter(account=account).count() == 1
    # A student's account has no "Rattacher un enfant".
    own, _ = student_code()
    student = account_factory(codes=[own], kind="E")
    _car, car_value = guardian_code()
    client = _signed_in(student)
    answer = client.post("/rattacher/", {"code": car_value, "birth_date": "14/05/2013"})
    assert answer.status_code == 302
    assert Attachment.objects.filter(account=student).count() == 1
    assert "Rattacher un enfant" not in _text(client.get("/")).split("<main", 1)[1]


def test_attaching_an_already_used_code_is_refused_neutrally():
    first, _ = guardian_code()
    account = account_factory(codes=[first])
    taken, value = guardian_code()
    account_factory(codes=[taken])
    response = _signed_in(account).post("/rattacher/", {"code": value, "birth_date": "14/05/2013"})
    assert CODE_REFUSED in _text(response)
    assert 'value="' + value + '"' in _text(response)  # the form is kept


def test_attach_needs_a_signed_in_family():
    assert Client().get("/rattacher/").status_code == 302


def test_a_signed_in_guardian_on_the_creation_page_is_pointed_to_attach():
    code, _ = guardian_code()
    page = _text(_signed_in(account_factory(codes=[code])).get("/activation/"))
    assert "Vous êtes déjà connecté" in page and 'href="/rattacher/"' in page
    assert "Vous êtes déjà connecté" not in _text(Client().get("/activation/"))


def test_the_home_page_offers_contact_only_for_a_school_whose_contact_link_is_active():
    open_school = TsSchoolFactory(name="Collège Ouvert", contact_active=True, contact_email="vie@college.example")
    closed_school = TsSchoolFactory(name="Lycée Fermé", contact_active=False)
    first, _ = guardian_code(school=open_school)
    second, _ = guardian_code(school=closed_school)
    page = _text(_signed_in(account_factory(codes=[first, second])).get("/"))
    assert page.count('data-testid="contact-link"') == 1
    assert f"/compte/contacter/{open_school.id}/" in page
    assert f"/compte/contacter/{closed_school.id}/" not in page

"""The applications portal after sign-in (manual §3.2)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import MODEL_BACKEND, PASSWORD
from services.services import teleservices_activate
from staff.services import staff_user_create_or_update

pytestmark = pytest.mark.django_db


def test_a_head_with_only_ts_admin_lands_on_its_home_with_the_first_visit_screen(client, head, school):
    response = client.post("/connexion/", {"username": "chef", "password": PASSWORD}, follow=True)
    assert [url for url, _ in response.redirect_chain] == ["/portail/", "/"]
    assert "Téléservices non activés" in response.content.decode()


def test_the_portal_lists_ts_admin_with_b1_notice_until_the_school_activates(head_client, head, school):
    page = head_client.get("/portail/?tout=1").content.decode()
    assert 'data-testid="application-tsadmin"' in page
    assert 'data-testid="application-admin"' not in page
    assert f"Les téléservices de {school.name} ne sont pas encore activés" in page
    teleservices_activate(school=school, by=head)
    page = head_client.get("/portail/?tout=1").content.decode()
    assert 'data-testid="application-tsadmin"' in page and "pas encore activés" not in page


def test_it_staff_land_on_the_portal_with_ts_admin_and_the_django_admin(school):
    user, _ = staff_user_create_or_update(username="dsi", password=PASSWORD, academy=school.academy)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = Client()
    response = client.post("/connexion/", {"username": "dsi", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/portail/"
    page = response.content.decode()
    assert 'data-testid="application-tsadmin"' in page and 'href="/admin/"' in page


def test_an_account_without_rights_is_told_so(db):
    user, _ = staff_user_create_or_update(username="sans.droits", password=PASSWORD)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    page = client.get("/portail/").content.decode()
    assert "aucune application" in page
    assert 'data-testid="application-' not in page


def test_the_portal_needs_sign_in(client):
    response = client.get("/portail/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")

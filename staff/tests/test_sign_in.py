import pytest
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_signs_in_with_the_right_password_and_lands_on_home(client, head, school):
    response = client.post(reverse("staff:login"), {"username": "chef", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert school.name in response.content.decode()


def test_it_refuses_a_wrong_password_with_a_french_message(client, head):
    response = client.post(reverse("staff:login"), {"username": "chef", "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_delays_the_account_after_repeated_failures(client, head, settings):
    for _ in range(settings.STAFF_THROTTLE_USERNAME_FREE_FAILURES + 1):
        client.post(reverse("staff:login"), {"username": "chef", "password": "faux"})
    response = client.post(reverse("staff:login"), {"username": "chef", "password": PASSWORD})
    assert response.status_code == 429
    assert "temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(head):
    assert head.password.startswith("argon2")


def test_anonymous_users_are_sent_to_the_sign_in_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:login"))


def test_quitter_signs_out(head_client):
    response = head_client.post(reverse("staff:logout"))
    assert response.status_code == 302
    assert head_client.get(reverse("home")).status_code == 302

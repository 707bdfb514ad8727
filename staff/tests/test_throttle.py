"""Growing delays after failed sign-ins, per username and per address, on the site and /admin/."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from conftest import PASSWORD
from staff.models import SignInEvent
from staff.security.client import client_ip
from staff.security.throttle import delay_after

pytestmark = pytest.mark.django_db

LOGIN = "/connexion/"


def sign_in(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_lets_four_failures_pass_then_the_right_password_works(client, head, clock):
    for _ in range(4):
        assert sign_in(client, "chef", "faux", "10.0.0.1").status_code == 200
    response = sign_in(client, "chef", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_five_failures_from_one_address_delay_the_username_from_another_address(head, clock):
    attacker = Client()
    for _ in range(5):
        sign_in(attacker, "chef", "faux", "10.0.0.1")
    owner = Client()
    response = sign_in(owner, "CHEF ", PASSWORD, "192.168.5.5")
    assert response.status_code == 429
    body = response.content.decode()
    assert "temporairement bloquée" in body and "1 minute" in body
    assert "_auth_user_id" not in owner.session
    assert SignInEvent.objects.filter(kind="throttled", username="chef", ip_address="192.168.5.5").exists()


def test_the_delay_expires_and_grows_with_each_new_failure(client, head, clock):
    for _ in range(5):
        sign_in(client, "chef", "faux", "10.0.0.1")
    assert sign_in(client, "chef", PASSWORD, "10.0.0.2").status_code == 429
    clock.advance(seconds=61)
    # A sixth failure once the minute is over: the next wait is two minutes.
    assert sign_in(client, "chef", "faux", "10.0.0.1").status_code == 200
    clock.advance(seconds=61)
    response = sign_in(client, "chef", PASSWORD, "10.0.0.2")
    assert response.status_code == 429 and "1 minute" in response.content.decode()
    clock.advance(seconds=60)
    assert sign_in(client, "chef", PASSWORD, "10.0.0.2").status_code == 302


def test_waits_double_and_are_capped(settings):
    settings.STAFF_THROTTLE_BASE_SECONDS = 60
    settings.STAFF_THROTTLE_MAX_SECONDS = 3600
    assert [delay_after(n, free=4).total_seconds() for n in (4, 5, 6, 7, 8)] == [0, 60, 120, 240, 480]
    assert delay_after(50, free=4).total_seconds() == 3600


def test_a_sprayed_address_is_delayed_whatever_the_username(head, other_head, clock):
    sprayer = Client()
    for n in range(11):
        assert sign_in(sprayer, f"inconnu{n}", "Azerty123!", "203.0.113.9").status_code == 200
    # The twelfth name from the same address waits, even with a right password.
    response = sign_in(sprayer, "autre.chef", PASSWORD, "203.0.113.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in sprayer.session
    # The heads themselves, from their own addresses, are not hindered.
    assert sign_in(Client(), "autre.chef", PASSWORD, "198.51.100.7").status_code == 302
    clock.advance(minutes=2)
    assert sign_in(Client(), "chef", PASSWORD, "203.0.113.9").status_code == 302


def test_a_success_keeps_the_log_and_resets_only_the_username(client, head, clock):
    for _ in range(3):
        sign_in(client, "chef", "faux", "10.0.0.1")
    assert sign_in(client, "chef", PASSWORD, "10.0.0.1").status_code == 302
    assert SignInEvent.objects.filter(username="chef", kind="failure").count() == 3
    assert SignInEvent.objects.filter(username="chef", kind="success", ip_address="10.0.0.1").count() == 1
    other = Client()
    for _ in range(4):
        sign_in(other, "chef", "faux", "10.0.0.3")
    # Four new failures after the success are free again.
    assert sign_in(other, "chef", PASSWORD, "10.0.0.3").status_code == 302


def test_the_admin_sign_in_is_throttled_and_logged_too(db, clock):
    User.objects.create_superuser("it.admin", "it@example.org", PASSWORD)
    attacker = Client()
    for _ in range(5):
        attacker.post("/admin/login/", {"username": "it.admin", "password": "faux"}, REMOTE_ADDR="10.9.9.9")
    assert SignInEvent.objects.filter(username="it.admin", kind="failure", path="/admin/login/").count() == 5
    admin = Client()
    response = admin.post(
        "/admin/login/?next=/admin/", {"username": "it.admin", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 200
    assert "temporairement bloquée" in response.content.decode()
    assert "_auth_user_id" not in admin.session


def test_the_address_comes_from_the_trusted_proxy_only(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.254"  # no proxy trusted: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.20"  # the client's forged left entry is ignored
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "1.2.3.4"
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.254"  # fewer entries than proxies: not through them
    bad = rf.get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="pas-une-adresse")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(bad) == "10.0.0.254"


def test_forged_forwarded_addresses_do_not_escape_the_address_limit(head, settings, clock):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(11):
        Client().post(
            LOGIN,
            {"username": f"x{n}", "password": "faux"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 203.0.113.50",
        )
    response = Client().post(
        LOGIN,
        {"username": "chef", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.50",
    )
    assert response.status_code == 429


def test_the_security_log_is_readable_not_writable_in_the_admin_for_security_staff(db, clock):
    sign_in(Client(), "chef", "faux", "10.0.0.77")
    officer = User.objects.create_user("rssi", password=PASSWORD, is_staff=True)
    officer.user_permissions.add(Permission.objects.get(codename="view_signinevent"))
    client = Client()
    client.force_login(officer)
    page = client.get("/admin/staff/signinevent/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "chef" in body and "10.0.0.77" in body
    event = SignInEvent.objects.get(kind="failure")
    assert client.post(f"/admin/staff/signinevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SignInEvent.objects.filter(pk=event.pk).exists()
    head_like = User.objects.create_user("chef2", password=PASSWORD, is_staff=True)
    other = Client()
    other.force_login(head_like)
    assert other.get("/admin/staff/signinevent/").status_code == 403

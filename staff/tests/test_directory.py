"""Directory sign-in against a real OpenLDAP server (Debian's slapd started by the fixture)."""

import socket
import time

import ldap
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from siecle.factories import SchoolFactory
from staff.models import SchoolMembership, SignInEvent
from staff.tests.directory.slapd import PEOPLE, SERVICE_DN, SERVICE_PASSWORD, SUFFIX, Slapd
from tsadmin.ldap_settings import directory_settings

pytestmark = pytest.mark.django_db

DURAND = "Annuaire-Durand-2026"


@pytest.fixture(scope="module")
def slapd():
    server = Slapd().start()
    yield server
    server.stop()


def use_directory(settings, url, timeout=3.0):
    for name, value in directory_settings(
        url=url,
        bind_dn=SERVICE_DN,
        bind_password=SERVICE_PASSWORD,
        search_base=SUFFIX,
        timeout_seconds=timeout,
    ).items():
        setattr(settings, name, value)
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "staff.directory.DirectoryBackend",
    ]


@pytest.fixture
def directory(settings, slapd):
    use_directory(settings, slapd.url)
    return slapd


@pytest.fixture
def schools(db):
    return {
        uaj: SchoolFactory(uaj=uaj, name=name)
        for uaj, name in (
            ("0781234A", "Collège Les Tilleuls"),
            ("0785678B", "Lycée Jules Ferry"),
            ("0789999C", "Collège Victor Hugo"),
        )
    }


def sign_in(username, password, ip="10.0.0.1"):
    client = Client()
    response = client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    return client, response


def uajs(username):
    return set(SchoolMembership.objects.filter(user__username=username).values_list("school__uaj", flat=True))


def test_a_head_signs_in_with_his_directory_account_and_gets_his_school(directory, schools):
    client, response = sign_in("pdurand", DURAND)
    assert response.status_code == 302
    assert uajs("pdurand") == {"0781234A"}
    user = User.objects.get(username="pdurand")
    assert (user.first_name, user.last_name, user.email) == ("Pierre", "Durand", "pierre.durand@ac-test.fr")
    assert not user.has_usable_password()  # no local password: the directory decides
    assert "Collège Les Tilleuls" in client.get("/", follow=True).content.decode()


def test_a_head_of_two_schools_gets_both(directory, schools):
    client, response = sign_in("mmartin", "Annuaire-Martin-2026")
    assert response.status_code == 302
    assert uajs("mmartin") == {"0781234A", "0785678B"}
    page = client.get("/etablissement/").content.decode()
    assert "Collège Les Tilleuls" in page and "Lycée Jules Ferry" in page and "Victor Hugo" not in page


def test_a_teacher_gets_no_access_until_it_staff_grant_it(directory, schools):
    client, response = sign_in("jprof", "Annuaire-Prof-2026")
    assert response.status_code == 200
    assert "ne donne pas accès à TS Admin" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert uajs("jprof") == set()
    call_command("create_school_user", "jprof", "--uaj", "0781234A", "--update")
    client, response = sign_in("jprof", "Annuaire-Prof-2026")
    assert response.status_code == 302
    assert SchoolMembership.objects.get(user__username="jprof").source == "local"


def test_a_disabled_account_and_a_wrong_password_are_refused(directory, schools):
    for username, password in (("ddesactive", "Annuaire-Desactive-2026"), ("pdurand", "pas-le-bon")):
        client, response = sign_in(username, password)
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert uajs("ddesactive") == set() and uajs("pdurand") == set()


def test_a_moved_head_sees_the_new_school_and_no_longer_the_old_one(directory, schools):
    client, response = sign_in("bmobile", "Annuaire-Mobile-2026")
    assert response.status_code == 302 and uajs("bmobile") == {"0781234A"}
    directory.modify(f"uid=bmobile,{PEOPLE}", [(ldap.MOD_REPLACE, "FrEduRne", [b"0789999C$UAJ$PU$N$T3$CLG$340"])])
    try:
        again, response = sign_in("bmobile", "Annuaire-Mobile-2026")
        assert response.status_code == 302
        assert uajs("bmobile") == {"0789999C"}
        page = again.get("/", follow=True).content.decode()
        assert "Collège Victor Hugo" in page and "Les Tilleuls" not in page
        # The session opened before the move cannot reach the old school any more.
        assert "Les Tilleuls" not in client.get("/", follow=True).content.decode()
    finally:
        directory.modify(f"uid=bmobile,{PEOPLE}", [(ldap.MOD_REPLACE, "FrEduRne", [b"0781234A$UAJ$PU$N$T3$CLG$340"])])


def test_directory_failures_are_throttled_like_local_ones(directory, schools, head):
    for _ in range(5):
        sign_in("pdurand", "pas-le-bon", ip="10.0.0.9")
    _, response = sign_in("pdurand", DURAND, ip="10.0.0.10")
    assert response.status_code == 429


def _down_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"ldap://127.0.0.1:{port}"  # nothing listens there any more


def test_a_directory_that_is_down_gives_a_french_message_and_local_accounts_still_work(settings, schools, head):
    use_directory(settings, _down_url())
    started = time.monotonic()
    client, response = sign_in("pdurand", DURAND)
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    assert "annuaire académique ne répond pas" in response.content.decode()
    assert SignInEvent.objects.filter(kind="directory_down", username="pdurand").exists()
    _, local = sign_in("chef", PASSWORD)
    assert local.status_code == 302


def test_a_directory_that_hangs_is_given_up_within_a_few_seconds(settings, schools, head):
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        use_directory(settings, f"ldap://127.0.0.1:{silent.getsockname()[1]}", timeout=1.0)
        started = time.monotonic()
        _, response = sign_in("pdurand", DURAND)
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert "annuaire académique ne répond pas" in response.content.decode()
    _, local = sign_in("chef", PASSWORD)
    assert local.status_code == 302

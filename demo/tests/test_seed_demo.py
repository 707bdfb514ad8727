"""`seed_demo` and `demo_user`: the academy a new user discovers with `make run`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from codes.models import ActivationCode, CodeEvent, CodeKind
from portal.models import Account
from services.selectors import letter_signatory, school_has_open_service, teleservices_activated
from siecle.models import Guardian, GuardianLink, School, Student

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])


def _seed(capsys, *args: str) -> str:
    call_command("seed_demo", *args)
    return capsys.readouterr().out


def _sign_in_as_demo_head(capsys) -> tuple[Client, list[str]]:
    """Sign in with the login and password `demo_user` prints, as the README says."""
    call_command("demo_user")
    out = capsys.readouterr().out
    password = out.split("Mot de passe : ")[1].strip()
    client = Client()
    response = client.post("/connexion/", {"username": "chef.demo", "password": password})
    assert response.status_code == 302
    return client, out.splitlines()


def test_seed_demo_builds_a_realistic_academy_and_says_so_in_one_line(capsys):
    out = _seed(capsys, "--schools", "2", "--students", "120")
    assert len(out.strip().splitlines()) == 1
    assert "2 établissement(s) dont 1 avec téléservices activés, 240 élèves" in out
    assert School.objects.count() == 2
    assert Student.objects.count() == 240
    assert Student.objects.filter(has_left=True, leaving_date__isnull=False).exists()
    links = GuardianLink.objects.all()
    # every student has at least one legal guardian; siblings share guardians
    assert not Student.objects.exclude(guardian_links__legal_rank__in=[1, 2]).exists()
    assert Guardian.objects.filter(student_links__legal_rank=1).distinct().count() < Student.objects.count()
    assert Guardian.objects.filter(email="").exists() and Guardian.objects.exclude(email="").exists()
    assert links.filter(legal_rank=2).exists()
    assert all(s.search_name == s.search_name.upper() for s in Student.objects.all()[:50])


def test_seed_demo_if_empty_changes_nothing_the_second_time(capsys):
    _seed(capsys, "--schools", "2", "--students", "30", "--if-empty")
    before = (ActivationCode.objects.count(), CodeEvent.objects.count(), Account.objects.count())
    out = _seed(capsys, "--schools", "2", "--students", "30", "--if-empty")
    assert "rien à faire" in out
    assert School.objects.count() == 2
    assert (ActivationCode.objects.count(), CodeEvent.objects.count(), Account.objects.count()) == before


def test_seed_demo_opens_the_services_in_every_school_but_the_last(capsys):
    _seed(capsys, "--schools", "3", "--students", "20")
    first, second, last = School.objects.order_by("uaj")
    assert teleservices_activated(school=first) and school_has_open_service(school=first)
    assert school_has_open_service(school=second)
    assert not teleservices_activated(school=last)
    # every head, started or not, signs the letters with his name
    assert [letter_signatory(school=s) for s in (first, second, last)] == [
        "Mme Claire Martin",
        "M. Karim Benali",
        "Mme Sophie Lefèvre",
    ]
    # the school that has not started has no guardian code, only the CAE every student holds
    assert not ActivationCode.objects.filter(school=last, kind=CodeKind.CAR).exists()
    assert ActivationCode.objects.filter(school=last, kind=CodeKind.CAE, is_valid=True).count() == 20


def test_seed_demo_closed_leaves_every_school_as_on_the_first_day(capsys):
    _seed(capsys, "--schools", "2", "--students", "20", "--closed")
    assert not any(teleservices_activated(school=s) for s in School.objects.all())
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR).exists()
    assert not Account.objects.exists()


def test_demo_head_signs_in_with_the_printed_password_and_has_both_kinds_of_school(capsys):
    _seed(capsys, "--schools", "3", "--students", "20")
    client, lines = _sign_in_as_demo_head(capsys)
    first, _, last = School.objects.order_by("uaj")
    assert any(first.uaj in line and "téléservices activés" in line for line in lines)
    assert any(last.uaj in line and "pas encore activés" in line for line in lines)

    # two schools: the head is asked which one, and "Changer d'établissement" leads to the other
    assert client.get("/").url == "/etablissement/"
    page = client.post("/etablissement/", {"school": last.pk}, follow=True).content.decode()
    assert "Téléservices non activés" in page and "Activer les téléservices" in page
    page = client.post("/etablissement/", {"school": first.pk}, follow=True).content.decode()
    assert "Activer les téléservices" not in page


def test_demo_user_refuses_an_empty_base():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo"):
        call_command("demo_user")


@pytest.mark.parametrize("command", ["seed_demo", "demo_user"])
def test_the_demo_commands_refuse_to_run_in_production(command, db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refusée en production"):
        call_command(command)
    assert not School.objects.exists()


@pytest.mark.django_db(databases=["default", "teleservices"], transaction=True)
def test_demo_user_points_the_demo_letters_at_the_local_portal_and_prints_a_code_that_opens_it(capsys):
    from django.test import override_settings

    from siecle.models import Academy

    _seed(capsys, "--schools", "2", "--students", "40")
    call_command("demo_user", "--portal-url", "http://127.0.0.1:8001")
    out = capsys.readouterr().out
    # Changes not copied down yet: no code is promised.
    assert "lancez d'abord « manage.py replicate »" in out
    call_command("replicate", "--quiet")
    call_command("demo_user", "--portal-url", "http://127.0.0.1:8001")
    out = capsys.readouterr().out
    assert Academy.objects.get().teleservices_url == "http://127.0.0.1:8001/"
    line = next(x for x in out.splitlines() if x.startswith("Code d'essai (parent)"))
    typed = line.split(" : ")[1].split(",")[0]
    born = line.rsplit("né le ", 1)[1]
    with override_settings(ROOT_URLCONF="tsadmin.urls_portal"):
        client = Client()
        response = client.post("/activation/", {"code": typed, "birth_date": born}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="login"' in page
    from portal.views_activation import CODE_REFUSED

    assert CODE_REFUSED not in page

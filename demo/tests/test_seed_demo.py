import pytest
from django.core.management import call_command

from siecle.models import Guardian, GuardianLink, School, Student

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_realistic_academy(capsys):
    call_command("seed_demo", "--schools", "2", "--students", "120")
    out = capsys.readouterr().out
    assert "élèves : 240" in out
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


def test_seed_demo_if_empty_does_nothing_the_second_time(capsys):
    call_command("seed_demo", "--schools", "1", "--students", "30", "--if-empty")
    call_command("seed_demo", "--schools", "1", "--students", "30", "--if-empty")
    assert School.objects.count() == 1


def test_create_school_user_prints_a_working_login(capsys, db):
    call_command("seed_demo", "--schools", "1", "--students", "10")
    call_command("create_school_user", "chef.demo", "--first-school")
    out = capsys.readouterr().out
    password = out.split("mot de passe : ")[1].strip()
    from django.contrib.auth.models import User

    assert User.objects.get(username="chef.demo").check_password(password)


def test_seed_demo_opens_the_services_in_every_school_but_the_last(capsys):
    from services.selectors import school_has_open_service, teleservices_activated

    call_command("seed_demo", "--schools", "3", "--students", "20")
    first, second, last = School.objects.order_by("uaj")
    assert teleservices_activated(school=first) and school_has_open_service(school=first)
    assert school_has_open_service(school=second)
    assert not teleservices_activated(school=last)

"""The staff account command prints a generated password, never one it was given."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db

GIVEN = "Un-autre-mot-de-passe-solide-77"


def test_a_given_password_is_set_but_not_printed(capsys, school):
    call_command("create_school_user", "chef.donne", "--uaj", school.uaj, "--password", GIVEN)
    out = capsys.readouterr().out
    assert GIVEN not in out
    assert "non affiché" in out
    assert User.objects.get(username="chef.donne").check_password(GIVEN)


def test_a_generated_password_is_printed_once_and_works(capsys, school):
    call_command("create_school_user", "chef.genere", "--uaj", school.uaj)
    out = capsys.readouterr().out
    password = out.split("mot de passe : ", 1)[1].strip()
    assert User.objects.get(username="chef.genere").check_password(password)

"""The staff account command prints a generated password, never one it was given."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import PASSWORD

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
    password = out.split("mot de passe : ", 1)[1].split()[0]
    assert User.objects.get(username="chef.genere").check_password(password)


def test_a_weak_password_is_refused_in_french_and_nothing_is_created(school):
    with pytest.raises(CommandError) as refused:
        call_command("create_school_user", "chef.faible", "--uaj", school.uaj, "--password", "a")
    assert refused.value.returncode == 2
    assert "Mot de passe refusé" in str(refused.value) and "trop court" in str(refused.value)
    assert not User.objects.filter(username="chef.faible").exists()


@pytest.mark.parametrize("password", ["azertyuiop", "Soleil2026!", "motdepasse123", "Bienvenue123"])
def test_common_french_passwords_are_refused(school, password):
    with pytest.raises(CommandError) as refused:
        call_command("create_school_user", "chef.courant", "--uaj", school.uaj, "--password", password)
    assert "plus utilisés en France" in str(refused.value) or "trop courant" in str(refused.value)
    assert not User.objects.filter(username="chef.courant").exists()


def test_an_existing_login_is_left_untouched_without_a_flag(school, other_school, head):
    before = User.objects.get(pk=head.pk).password
    with pytest.raises(CommandError) as refused:
        call_command("create_school_user", "chef", "--uaj", other_school.uaj)
    assert refused.value.returncode == 2 and "existe déjà" in str(refused.value)
    head.refresh_from_db()
    assert head.password == before
    assert list(head.school_memberships.values_list("school", flat=True)) == [school.pk]


def test_update_attaches_a_school_and_keeps_the_password(capsys, school, other_school, head):
    call_command("create_school_user", "chef", "--uaj", other_school.uaj, "--update")
    head.refresh_from_db()
    assert head.check_password(PASSWORD)
    assert set(head.school_memberships.values_list("school", flat=True)) == {school.pk, other_school.pk}
    assert "inchangé" in capsys.readouterr().out


def test_reset_password_issues_a_new_one_to_change(capsys, client, head):
    call_command("create_school_user", "chef", "--reset-password")
    password = capsys.readouterr().out.split("mot de passe : ", 1)[1].split()[0]
    head.refresh_from_db()
    assert head.check_password(password) and not head.check_password(PASSWORD)
    assert head.staff_account.must_change_password

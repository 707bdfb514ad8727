"""`manage.py notify_codes`: the screens' rules from the command line, French refusals, exit 2."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from codes.models import ActivationCode, CodeKind, NotificationMode
from codes.tests.factories import make_car, make_pair
from notifications.models import OutboxMessage
from services.services import service_open, teleservices_activate


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


def _run(*args) -> str:
    out = io.StringIO()
    call_command("notify_codes", *args, stdout=out)
    return out.getvalue()


def _refused(*args) -> str:
    with pytest.raises(CommandError) as caught:
        _run(*args)
    assert caught.value.returncode == 2
    assert "\n" not in str(caught.value)
    return str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--uaj", "0000000X", "--guardians"], "Établissement inconnu"),
        (["--guardians", "--students"], "Choisissez --guardians (responsables) ou --students"),
        ([], "Choisissez --guardians (responsables) ou --students"),
        (["--guardians", "--mode", "pigeon"], "--mode vaut email, letter ou both"),
        (["--guardians", "--legal", "3"], "--legal vaut 1 ou 2"),
        (["--guardians", "--who", "nimporte"], "--who vaut new, no-account ou all"),
        (["--guardians", "--mef", "X", "--division", "Y"], "--mef ou --division, pas les deux"),
        (["--guardians", "--division", "ZZZ"], "Division inconnue"),
        (["--guardians", "--mef", "ZZZ"], "MEF inconnu"),
        (["--students", "--mode", "email"], "Les élèves ne sont notifiés que par courrier"),
        (["--students", "--who", "no-account"], "Pour les élèves, --who vaut new ou all"),
        (["--students", "--legal", "1"], "--legal ne concerne que les responsables"),
        (["--guardians"], "Aucun couple élève / responsable n'existe pour cette sélection."),
    ],
)
def test_bad_arguments_are_one_french_line_and_exit_2(opened, args, message):
    if args[:1] != ["--uaj"]:
        args = ["--uaj", opened.uaj, *args]
    assert message in _refused(*args)


@pytest.mark.django_db
def test_no_open_service_is_refused_unless_allowed(school):
    make_car(make_pair(school))
    assert "Aucun téléservice n'est ouvert" in _refused("--uaj", school.uaj, "--guardians", "--mode", "email")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_another_schools_division_is_unknown_here(opened, other_school):
    theirs = make_pair(other_school, division="9Z")
    make_car(theirs)
    assert "Division inconnue" in _refused("--uaj", opened.uaj, "--guardians", "--division", "9Z")


@pytest.mark.e2e
def test_email_mode_waits_for_the_worker_and_reports_what_was_sent(opened, celery_worker, settings):
    with_email = make_pair(opened, last_name="COURRIEL")
    code = make_car(with_email)
    without = make_pair(opened, last_name="SANSMAIL")
    without.guardian.email = ""
    without.guardian.save()
    make_car(without)
    output = _run("--uaj", opened.uaj, "--guardians", "--mode", "email", "--who", "all", "--timeout", "60")
    assert "Courriels : 1 à envoyer ; 1 envoyé(s)" in output
    assert "Courriers : aucun." in output
    assert "Non notifié :" in output and "pas d'adresse électronique valide" in output
    code.refresh_from_db()
    assert code.notified_at is not None and code.notification_mode == NotificationMode.EMAIL
    assert not ActivationCode.objects.filter(kind=CodeKind.CAR, link=without, notified_at__isnull=False).exists()


@pytest.mark.e2e
def test_both_modes_write_the_letters_to_output_and_send_the_emails(opened, celery_worker, tmp_path):
    """Passes once the letters' join passes the school to codes_notification_record (merge of issue 9)."""
    from pypdf import PdfReader

    mail = make_pair(opened, last_name="COURRIEL")
    mail_code = make_car(mail)
    paper = make_pair(opened, last_name="PAPIER")
    paper.guardian.email = ""
    paper.guardian.save()
    paper_code = make_car(paper)
    target = tmp_path / "courriers.pdf"
    output = _run("--uaj", opened.uaj, "--guardians", "--output", str(target), "--timeout", "120")
    assert f"Courriers : 1 courrier(s), 1 code(s) notifié(s), écrits dans {target}." in output
    assert "1 envoyé(s)" in output
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "PAPIER" in text and "COURRIEL" not in text
    mail_code.refresh_from_db()
    paper_code.refresh_from_db()
    assert mail_code.notification_mode == NotificationMode.EMAIL
    assert paper_code.notification_mode == NotificationMode.LETTER

"""Who gets an e-mail, who gets a letter, who gets nothing and why (C3, C5, D2, D3)."""

from __future__ import annotations

import pytest

from codes.selectors import Selection
from codes.tests.factories import make_car, make_pair
from jobs.models import Job
from notifications import services
from notifications.models import OutboxMessage
from services.services import service_open, teleservices_activate
from siecle.factories import GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

pytestmark = pytest.mark.django_db
ALL = Selection()


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


def _pair(school, *, name, email=True, address=True, **kwargs):
    link = make_pair(school, last_name=name, **kwargs)
    guardian = link.guardian
    guardian.last_name = name
    guardian.email = f"{name.lower()}@famille.example" if email else ""
    if not address:
        guardian.address_line1 = guardian.postcode = guardian.city = ""
    guardian.save()
    make_car(link)
    return link


def _notify(school, head, mode, **kwargs):
    kwargs.setdefault("ranks", [1, 2])
    kwargs.setdefault("who", "all")
    return services.notify_guardians(school=school, selection=ALL, mode=mode, by=head, **kwargs)


def test_both_modes_email_wins_no_email_gets_paper_no_address_is_reported(opened, head):
    mail = _pair(opened, name="COURRIEL")
    paper = _pair(opened, name="PAPIER", email=False)
    nothing = _pair(opened, name="PERSONNE", email=False, address=False)
    outcome = _notify(opened, head, "both")
    assert outcome.emails == 1
    assert list(OutboxMessage.objects.values_list("guardian_id", flat=True)) == [mail.guardian_id]
    assert outcome.letters == 1
    assert outcome.letters_job is not None and outcome.letters_job.kind == "notify_letters"
    assert outcome.letters_job.school == opened
    assert [(s.name.split()[-1], s.reason) for s in outcome.skipped] == [("PERSONNE", services.REASON_NO_ADDRESS)]
    assert paper.guardian_id != nothing.guardian_id


def test_email_only_sends_nothing_to_a_guardian_without_address(opened, head):
    _pair(opened, name="COURRIEL")
    _pair(opened, name="PAPIER", email=False)
    outcome = _notify(opened, head, "email")
    assert outcome.emails == 1 and outcome.letters_job is None and outcome.letters == 0
    assert [s.reason for s in outcome.skipped] == [services.REASON_NO_EMAIL]


def test_letter_only_gives_paper_even_to_a_guardian_with_email(opened, head):
    _pair(opened, name="COURRIEL")
    outcome = _notify(opened, head, "letter")
    assert outcome.emails == 0 and outcome.letters == 1 and not OutboxMessage.objects.exists()


def test_a_guardian_with_two_children_gets_one_email(opened, head):
    first = _pair(opened, name="FAMILLE")
    second_child = StudentFactory(school=opened, last_name="FAMILLE", mef=first.student.mef)
    second = GuardianLinkFactory(student=second_child, guardian=first.guardian, legal_rank=LegalRank.LEGAL_1)
    make_car(second)
    outcome = _notify(opened, head, "both")
    assert outcome.emails == 1
    (message,) = OutboxMessage.objects.all()
    assert sorted(message.link_ids) == sorted([first.pk, second.pk])


def test_an_email_with_a_header_injection_is_not_trusted_and_paper_follows(opened, head):
    link = _pair(opened, name="PIRATE")
    link.guardian.email = "a@b.example\nBcc: x@evil.example"
    link.guardian.save()
    outcome = _notify(opened, head, "both")
    assert outcome.emails == 0 and outcome.letters == 1


def test_nothing_selected_is_refused_with_the_manuals_warning(opened, head):
    with pytest.raises(services.NotifyError, match="Aucun couple élève / responsable"):
        _notify(opened, head, "both")
    assert not Job.objects.filter(kind="notify_letters").exists()


def test_no_open_service_needs_an_explicit_confirmation(school, head):
    _pair(school, name="SANSSERVICE")
    with pytest.raises(services.NotifyError, match="Aucun téléservice n'est ouvert"):
        _notify(school, head, "both")
    assert not OutboxMessage.objects.exists()
    outcome = _notify(school, head, "both", confirmed_without_service=True)
    assert outcome.emails == 1


def test_the_run_record_keeps_what_was_started_for_the_result_page(opened, head):
    _pair(opened, name="COURRIEL")
    _pair(opened, name="PERSONNE", email=False, address=False)
    outcome = _notify(opened, head, "both")
    run = Job.objects.get(pk=outcome.run.pk)
    assert run.school == opened and run.kind == services.RUN_KIND and run.state == "done"
    assert run.result["emails"] == 1 and run.result["batch"] == str(outcome.batch)
    assert run.result["skipped"][0][1] == services.REASON_NO_ADDRESS


def test_students_get_letters_only_and_nothing_selected_is_refused(opened, head):
    StudentFactory(school=opened)
    outcome = services.notify_students(school=opened, selection=ALL, who="all", by=head)
    assert outcome.letters == 1 and outcome.emails == 0 and outcome.letters_job.kind == "notify_letters"
    with pytest.raises(services.NotifyError, match="Aucun élève"):
        services.notify_students(school=opened, selection=ALL, who="all", refused="yes", by=head)


# --- One pair, one student -------------------------------------------------------------------


def test_notify_pair_by_email_needs_an_address_and_a_valid_code(opened, head):
    link = _pair(opened, name="SEUL", email=False)
    with pytest.raises(services.NotifyError, match="pas d'adresse électronique"):
        services.notify_pair(link=link, mode="email", by=head)
    outcome = services.notify_pair(link=link, mode="letter", by=head)
    assert outcome.letters == 1
    without_code = make_pair(opened, last_name="SANSCODE")
    with pytest.raises(services.NotifyError, match="pas de code valide"):
        services.notify_pair(link=without_code, mode="letter", by=head)


def test_notify_pair_is_repeatable(opened, head):
    link = _pair(opened, name="ENCORE")
    first = services.notify_pair(link=link, mode="email", by=head)
    second = services.notify_pair(link=link, mode="email", by=head)
    assert first.emails == second.emails == 1
    assert OutboxMessage.objects.count() == 2


def test_notify_pair_by_letter_without_address_is_refused(opened, head):
    link = _pair(opened, name="NULLEPART", address=False)
    with pytest.raises(services.NotifyError, match="pas d'adresse postale"):
        services.notify_pair(link=link, mode="letter", by=head)


def test_notify_student_starts_his_letter(opened, head):
    pupil = StudentFactory(school=opened)
    outcome = services.notify_student(student=pupil, by=head)
    assert outcome.letters == 1 and outcome.letters_job.school == opened

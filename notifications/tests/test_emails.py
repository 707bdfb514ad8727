"""The e-mail outbox through a real SMTP server (aiosmtpd), sending from this process.

The end-to-end tests through a real Celery worker are in test_emails_e2e.py.
"""

from __future__ import annotations

import datetime
import smtplib
import uuid

import pytest
from django.utils import timezone

from codes.models import ActivationCode, CodeEvent, EventKind, NotificationMode
from codes.tests.factories import make_car, make_pair
from notifications.emails import (
    classify_failure,
    emails_batch_counts,
    emails_batch_failures,
    emails_enqueue,
    outbox_send,
    outbox_sweep,
)
from notifications.models import OutboxMessage, OutboxState
from services.models import LetterType
from services.services import letter_settings_update, letter_signatory_update, service_open, teleservices_activate
from siecle.factories import DivisionFactory, EntFactory, GuardianFactory, GuardianLinkFactory, StudentFactory
from siecle.models import LegalRank

pytestmark = pytest.mark.django_db


def family(school, *, email="marie.dupont@famille.test.example", children=(("Léa", "3A"), ("Tom", "5B"))):
    """A mother with one child per (first name, division), each pair holding a valid CAR."""
    mother = GuardianFactory(school=school, civility="MME", first_name="Marie", last_name="DUPONT", email=email)
    links, codes = [], []
    for first, division in children:
        student = StudentFactory(
            school=school, last_name="DUPONT", first_name=first, division=DivisionFactory(school=school, code=division)
        )
        link = GuardianLinkFactory(student=student, guardian=mother, legal_rank=LegalRank.LEGAL_1)
        links.append(link)
        codes.append(make_car(link))
    return mother, links, codes


def outbox_ids():
    return list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))


def test_one_message_per_guardian_lists_every_child_in_both_parts(school, head, smtp_sink):
    mother, links, codes = family(school)
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head) == 1
    assert outbox_send(message_ids=outbox_ids()) == {"sent": 1, "retrying": 0, "failed": 0}
    (received,) = smtp_sink.messages
    assert received.rcpt_tos == ["marie.dupont@famille.test.example"]
    message = received.message
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for code in codes:
        assert code.display in text and code.display in html
        assert f"activation/#code={code.value}" in html
    for part in (text, html):
        assert "Léa" in part and "Tom" in part and "3A" in part and "5B" in part
        assert "Madame Marie DUPONT" in part
        assert "coupon" in part  # how to refuse without the slips
    assert school.name in message["Subject"]
    assert message["Reply-To"] == school.email1
    for code in codes:
        code.refresh_from_db()
        assert code.notification_mode == NotificationMode.EMAIL and code.notified_at == timezone.localdate()


def test_the_message_is_signed_with_the_signatory_set_on_b4(school, head, smtp_sink):
    letter_signatory_update(school=school, name="M. Paul Durand", by=head)
    _, links, _ = family(school)
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    message = smtp_sink.messages[0].message
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,)).get_content()
        assert "M. Paul Durand" in part[part.index("Le chef d") :]


def test_the_row_holds_ids_but_never_a_code_value(school, head):
    _, links, codes = family(school)
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    row = OutboxMessage.objects.get()
    assert sorted(row.code_ids) == sorted(c.pk for c in codes)
    assert sorted(row.link_ids) == sorted(x.pk for x in links)
    stored = " ".join(str(v) for v in OutboxMessage.objects.values().get().values())
    assert not any(code.value in stored for code in codes)


def test_a_second_enqueue_of_the_same_batch_adds_nothing_and_a_second_send_sends_nothing(school, head, smtp_sink):
    _, links, _ = family(school)
    batch = uuid.uuid4()
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch) == 1
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch) == 0
    assert OutboxMessage.objects.count() == 1
    outbox_send(message_ids=outbox_ids())
    outbox_send(message_ids=outbox_ids())
    assert smtp_sink.count() == 1
    assert emails_batch_counts(batch=batch) == {"queued": 0, "sent": 1, "failed": 0, "retrying": 0}
    assert CodeEvent.objects.filter(event=EventKind.NOTIFICATION).count() == 2


def test_a_permanent_refusal_fails_the_message_and_leaves_the_pairs_unnotified(school, head, smtp_sink):
    _, links, codes = family(school, email="inconnu@famille.test.example")
    smtp_sink.answers["inconnu@famille.test.example"] = "550 5.1.1 No such user"
    batch = uuid.uuid4()
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head, batch=batch)
    assert outbox_send(message_ids=outbox_ids())["failed"] == 1
    row = OutboxMessage.objects.get()
    assert row.state == OutboxState.FAILED and "550" in row.last_error and "refusée" in row.last_error
    assert not any(code.value in row.last_error for code in codes)
    assert smtp_sink.count() == 0
    assert not ActivationCode.objects.filter(notified_at__isnull=False).exists()
    assert emails_batch_counts(batch=batch)["failed"] == 1
    (failure,) = emails_batch_failures(batch=batch)
    assert failure.recipient == "inconnu@famille.test.example" and "550" in failure.reason
    assert outbox_sweep(now=timezone.now() + datetime.timedelta(days=1)) == 0  # never tried again


def test_a_temporary_refusal_is_tried_again_later_and_notifies_only_once_accepted(school, head, smtp_sink):
    _, links, codes = family(school, email="lent@famille.test.example", children=(("Léa", "3A"),))
    smtp_sink.answers["lent@famille.test.example"] = "451 4.7.1 Try again later"
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    assert outbox_send(message_ids=outbox_ids())["retrying"] == 1
    row = OutboxMessage.objects.get()
    assert row.state == OutboxState.RETRYING and row.next_attempt_at > timezone.now()
    assert "451" in row.last_error
    codes[0].refresh_from_db()
    assert codes[0].notified_at is None
    # Not due yet: a send now does nothing.
    assert outbox_send(message_ids=outbox_ids()) == {"sent": 0, "retrying": 0, "failed": 0}
    del smtp_sink.answers["lent@famille.test.example"]
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox_send(message_ids=outbox_ids())["sent"] == 1
    row.refresh_from_db()
    codes[0].refresh_from_db()
    assert row.state == OutboxState.SENT and row.attempts == 2
    assert codes[0].notification_mode == NotificationMode.EMAIL
    assert smtp_sink.count() == 1


def test_an_unreachable_server_is_a_temporary_failure_with_backoff(school, head, settings):
    from notifications.tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_OUTBOX_MAX_ATTEMPTS = 2
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    before = timezone.now()
    assert outbox_send(message_ids=outbox_ids())["retrying"] == 1
    row = OutboxMessage.objects.get()
    assert "injoignable" in row.last_error
    first_delay = row.next_attempt_at - before
    assert datetime.timedelta(seconds=50) < first_delay <= datetime.timedelta(seconds=61)
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    assert outbox_send(message_ids=outbox_ids())["failed"] == 1  # the last attempt allowed
    row.refresh_from_db()
    assert row.state == OutboxState.FAILED and "2 essais" in row.last_error


@pytest.mark.parametrize(
    "bad",
    [
        "parent@famille.test.example\r\nBcc: espion@ailleurs.test.example",
        "parent@famille.test.example\nX-Injected: oui",
        "parent@famille.test.example, espion@ailleurs.test.example",
        "parent@famille.test.example;espion@ailleurs.test.example",
        "Parent <parent@famille.test.example>",
        "pas-une-adresse",
    ],
)
def test_a_guardian_address_that_could_add_a_header_or_a_recipient_gets_no_message(school, head, smtp_sink, bad):
    _, bad_links, _ = family(school, email=bad, children=(("Léa", "3A"),))
    other = make_pair(school, last_name="MARTIN")
    other.guardian.email = "martin@famille.test.example"
    other.guardian.save()
    make_car(other)
    assert emails_enqueue(school=school, link_ids=[bad_links[0].pk, other.pk], by=head) == 1
    outbox_send(message_ids=outbox_ids())
    (received,) = smtp_sink.messages
    assert received.rcpt_tos == ["martin@famille.test.example"]
    headers = received.data.split(b"\r\n\r\n", 1)[0].decode()
    assert "espion" not in headers and "X-Injected" not in headers and "Bcc" not in headers


def test_a_school_name_with_line_breaks_cannot_add_a_header(school, head, smtp_sink):
    school.name = "Collège\r\nBcc: espion@ailleurs.test.example"
    school.email1 = "ce@ecole.test.example\r\nX-Injected: oui"
    school.save()
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    assert outbox_send(message_ids=outbox_ids())["sent"] == 1
    (received,) = smtp_sink.messages
    assert received.rcpt_tos == ["marie.dupont@famille.test.example"]
    message = received.message
    assert "Bcc" not in message and "X-Injected" not in message and "Reply-To" not in message
    assert "Collège Bcc: espion" in message["Subject"]


def test_a_pair_whose_code_was_invalidated_meanwhile_is_not_sent(school, head, smtp_sink):
    _, links, codes = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    ActivationCode.objects.filter(pk=codes[0].pk).update(is_valid=False)
    assert outbox_send(message_ids=outbox_ids())["failed"] == 1
    assert "Plus aucun code valide" in OutboxMessage.objects.get().last_error
    assert smtp_sink.count() == 0


def test_guardians_without_address_or_valid_code_are_not_queued(school, head):
    _, no_email, _ = family(school, email="", children=(("Léa", "3A"),))
    no_code = make_pair(school, last_name="SANSCODE")
    assert emails_enqueue(school=school, link_ids=[no_email[0].pk, no_code.pk], by=head) == 0
    assert not OutboxMessage.objects.exists()


def test_pairs_of_another_school_are_never_queued(school, other_school, head):
    _, links, _ = family(other_school, children=(("Léa", "3A"),))
    assert emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head) == 0


def test_a_row_left_sending_by_a_dead_worker_is_queued_again_after_the_timeout(school, head, smtp_sink, settings):
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    stuck_at = timezone.now() - datetime.timedelta(seconds=settings.EMAIL_OUTBOX_SENDING_TIMEOUT_SECONDS + 5)
    OutboxMessage.objects.update(state=OutboxState.SENDING, claimed_at=stuck_at, attempts=1)
    assert outbox_send(message_ids=outbox_ids())["sent"] == 0  # another run holds it
    assert outbox_sweep(now=timezone.now()) == 1
    row = OutboxMessage.objects.get()
    assert row.state == OutboxState.QUEUED and "interrompu" in row.last_error
    assert outbox_send(message_ids=outbox_ids())["sent"] == 1
    assert smtp_sink.count() == 1


def _sent_text(smtp_sink) -> str:
    (received,) = smtp_sink.messages
    return received.message.get_body(preferencelist=("plain",)).get_content()


def test_the_teleservices_type_gives_the_teleservices_address(school, head, smtp_sink):
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    text = _sent_text(smtp_sink)
    assert f"Adresse à utiliser : {school.academy.teleservices_url}" in text


@pytest.mark.parametrize("letter_type", [LetterType.MIXED, LetterType.ENT_ONLY])
def test_the_ent_types_give_only_the_ent_address(school, head, smtp_sink, letter_type):
    ent = EntFactory(academy=school.academy, description="e-lyco", url="https://e-lyco.test.example/")
    letter_settings_update(school=school, letter_type=letter_type, ent=ent, by=head)
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    text = _sent_text(smtp_sink)
    assert "e-lyco" in text and "Adresse à utiliser, celle de l'espace numérique de travail" in text
    assert "https://e-lyco.test.example/" in text
    assert f"Adresse à utiliser : {school.academy.teleservices_url}" not in text


def test_open_services_are_listed_and_a_school_without_any_says_so(school, head, smtp_sink):
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    assert "Aucun service n'est encore ouvert" in _sent_text(smtp_sink)
    smtp_sink.messages.clear()
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    text = _sent_text(smtp_sink)
    assert "Consultation des notes" in text and "Aucun service n'est encore ouvert" not in text


def test_a_guardian_under_continuity_of_access_is_told_his_account_keeps_working(school, head, smtp_sink):
    _, links, codes = family(school, children=(("Léa", "3A"),))
    ActivationCode.objects.filter(pk=codes[0].pk).update(continuity_at=timezone.localdate())
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    assert "Continuité d'accès" in _sent_text(smtp_sink)


def _guardians(school, count):
    division = DivisionFactory(school=school, code="4C")
    links = []
    for n in range(count):
        student = StudentFactory(school=school, last_name=f"ELEVE{n:03d}", division=division)
        guardian = GuardianFactory(school=school, last_name=f"PARENT{n:03d}")
        link = GuardianLinkFactory(student=student, guardian=guardian, legal_rank=LegalRank.LEGAL_1)
        make_car(link)
        links.append(link.pk)
    return links


@pytest.mark.parametrize("count", [2, 25])
def test_enqueue_is_a_constant_number_of_queries_and_sending_a_fixed_number_per_message(
    school, head, smtp_sink, count, django_assert_max_num_queries
):
    links = _guardians(school, count)
    with django_assert_max_num_queries(14):
        assert emails_enqueue(school=school, link_ids=links, by=head) == count
    # Sending: a fixed number of reads per batch, then per message its own writes (state and notification).
    with django_assert_max_num_queries(10 + 8 * count):
        assert outbox_send(message_ids=outbox_ids())["sent"] == count
    assert smtp_sink.count() == count


def test_sending_tasks_carry_ids_are_acknowledged_late_and_given_back_when_their_worker_dies():
    from notifications.tasks_mail import outbox_send_task

    assert outbox_send_task.acks_late and outbox_send_task.reject_on_worker_lost
    assert outbox_send_task.time_limit and outbox_send_task.soft_time_limit < outbox_send_task.time_limit


def test_a_message_keeps_its_message_id_from_one_attempt_to_the_next(school, head, smtp_sink):
    _, links, _ = family(school, children=(("Léa", "3A"),))
    emails_enqueue(school=school, link_ids=[x.pk for x in links], by=head)
    outbox_send(message_ids=outbox_ids())
    row = OutboxMessage.objects.get()
    (received,) = smtp_sink.messages
    assert received.message["Message-ID"] == f"<outbox-{row.pk}.{row.batch.hex}@teleservices.example>"


@pytest.mark.parametrize(
    ("error", "permanent", "words"),
    [
        (smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"No such user")}), True, "Adresse refusée"),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (452, b"Mailbox full")}), False, "nouvel essai"),
        (smtplib.SMTPDataError(554, b"Rejected"), True, "Message refusé"),
        (smtplib.SMTPDataError(451, b"Later"), False, "Refus temporaire"),
        (smtplib.SMTPServerDisconnected("gone"), False, "injoignable"),
        (ConnectionRefusedError(), False, "injoignable"),
        (smtplib.SMTPAuthenticationError(535, b"Bad credentials"), False, "Expéditeur refusé"),
        (ValueError("bad address"), True, "invalide"),
    ],
)
def test_failures_are_told_apart_temporary_or_permanent_with_a_french_reason(error, permanent, words):
    failure = classify_failure(error)
    assert failure.permanent is permanent and words in failure.reason

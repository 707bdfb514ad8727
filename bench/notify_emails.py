"""Bench: 3,000 guardian e-mails through the outbox into a local SMTP sink (aiosmtpd): messages per second.

What is timed is the work of the sending tasks: `emails_enqueue` (one outbox row per guardian)
then `outbox_send` in batches of EMAIL_OUTBOX_BATCH_SIZE, each claiming its rows, rendering the
bodies from the letter content, sending over one SMTP connection and recording the
notifications, in this one process (a worker process does the same; two workers share the
batches). The baseline is Django's SMTP backend sending 3,000 already built messages of the
same size over one connection: the cost of SMTP itself. Everything is written inside a
transaction that is rolled back: the database is left as found.

Run alone with `python bench/notify_emails.py`, or through `bench/run.py` (calls `run()`).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

GUARDIANS = int(os.environ.get("BENCH_GUARDIANS", "3000"))


def _setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    import django

    django.setup()


class _Sink:
    """Counts accepted messages; keeps nothing."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
        return "250 2.0.0 Accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_school():
    """A school of 3,000 students, one guardian each with an e-mail, each pair with a valid CAR."""
    from car.services import car_create_bulk
    from services.services import service_open, teleservices_activate
    from siecle.models import Academy, Division, Guardian, GuardianLink, Mef, School, Student
    from siecle.uaj import uaj_with_key
    from staff.services import staff_user_create_or_update

    academy, _ = Academy.objects.get_or_create(
        code="BENCH",
        defaults={"name": "Académie du banc d'essai", "teleservices_url": "https://teleservices.bench.example/"},
    )
    school = School.objects.create(
        academy=academy,
        uaj=uaj_with_key(9_876_544),
        name="Collège du banc d'essai",
        email1="ce.bench@ac-bench.example",
    )
    mef = Mef.objects.create(school=school, code="10310019110", label="3EME")
    division = Division.objects.create(school=school, code="3A", label="3EME A")
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                siecle_id=str(i),
                last_name=f"ELEVE{i:05d}",
                first_name="Camille",
                search_name=f"ELEVE{i:05d}",
                mef=mef,
                division=division,
            )
            for i in range(GUARDIANS)
        ]
    )
    guardians = Guardian.objects.bulk_create(
        [
            Guardian(
                school=school,
                siecle_id=str(i),
                civility="MME",
                last_name=f"PARENT{i:05d}",
                first_name="Dominique",
                address_line1="1 rue de la Paix",
                postcode="75002",
                city="PARIS",
                email=f"parent{i:05d}@famille.bench.example",
            )
            for i in range(GUARDIANS)
        ]
    )
    links = GuardianLink.objects.bulk_create(
        [GuardianLink(student=s, guardian=g, legal_rank=1) for s, g in zip(students, guardians, strict=True)]
    )
    user, _ = staff_user_create_or_update(username="chef.banc.mail", schools=[school])
    teleservices_activate(school=school, by=user)
    service_open(school=school, service="notes", by=user)
    service_open(school=school, service="absences", by=user)
    link_ids = [x.pk for x in links]
    car_create_bulk(school=school, link_ids=link_ids, by=user)
    return school, user, link_ids


def _baseline(size: int) -> float:
    """Django's SMTP backend alone: GUARDIANS messages of `size` bytes over one connection."""
    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection

    body = "x" * max(size - 600, 100)
    connection = get_connection(fail_silently=False)
    messages = [
        EmailMessage("Objet", body, settings.DEFAULT_FROM_EMAIL, [f"parent{i:05d}@famille.bench.example"])
        for i in range(GUARDIANS)
    ]
    start = time.perf_counter()
    connection.open()
    for message in messages:
        connection.send_messages([message])
    connection.close()
    return time.perf_counter() - start


def run() -> dict:
    _setup_django()
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection, transaction

    from codes.models import AccessRefusal, ActivationCode
    from notifications.emails import emails_enqueue, outbox_send
    from notifications.models import OutboxMessage, OutboxState
    from siecle.models import Guardian, GuardianLink, Student

    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        with transaction.atomic():
            school, user, link_ids = _make_school()
            # The tables were filled inside this transaction: give the planner the statistics
            # autovacuum keeps on a live database, or it plans for empty tables.
            with connection.cursor() as cursor:
                for model in (Student, Guardian, GuardianLink, ActivationCode, AccessRefusal, OutboxMessage):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608
            start = time.perf_counter()
            queued = emails_enqueue(school=school, link_ids=link_ids, by=user)
            enqueue_time = time.perf_counter() - start
            assert queued == GUARDIANS, queued
            ids = list(OutboxMessage.objects.filter(school=school).order_by("pk").values_list("pk", flat=True))
            size = settings.EMAIL_OUTBOX_BATCH_SIZE
            start = time.perf_counter()
            for first in range(0, len(ids), size):
                outbox_send(message_ids=ids[first : first + size])
            send_time = time.perf_counter() - start
            sent = OutboxMessage.objects.filter(school=school, state=OutboxState.SENT).count()
            assert sent == GUARDIANS == sink.count, (sent, sink.count)
            average = sink.bytes // max(sink.count, 1)
            transaction.set_rollback(True)
        baseline = _baseline(average)
    finally:
        controller.stop()
    result = {
        "messages": GUARDIANS,
        "enqueue_s": round(enqueue_time, 2),
        "send_s": round(send_time, 2),
        "messages_per_s": round(GUARDIANS / send_time, 1),
        "baseline_smtp_messages_per_s": round(GUARDIANS / baseline, 1),
        "ratio_to_raw_smtp": round(send_time / baseline, 2),
        "average_message_bytes": average,
    }
    print(
        f"{GUARDIANS} e-mails (text + HTML, {average} bytes each) into a local SMTP sink, batches of {size}:\n"
        f"  enqueue {enqueue_time:.2f} s; send {send_time:.1f} s = {GUARDIANS / send_time:.0f} messages/s\n"
        f"  raw Django SMTP backend, same sizes, one connection: {GUARDIANS / baseline:.0f} messages/s "
        f"(outbox = {send_time / baseline:.1f}x raw: rendering, claim and notification records)"
    )
    return result


if __name__ == "__main__":
    run()

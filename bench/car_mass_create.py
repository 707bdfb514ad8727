"""Bench: mass creation of 3,000 CAR in one request, against a raw bulk insert of the same rows.

DESIGN.md target: one request, a constant number of SQL statements, within 2x of a raw bulk
insert. The raw baseline writes exactly what the service writes (3,000 code rows and their
3,000 "Création" history rows) with one hand-written multi-row INSERT per table, and no check.
Everything runs inside a transaction that is rolled back: the database is left as found.

Run alone with `python bench/car_mass_create.py`, or through `bench/run.py` (calls `run()`).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

PAIRS = 3000
ROUNDS = 5


def _setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    import django

    django.setup()


def _make_school():
    """A school of 1,500 students with two legal guardians each: 3,000 pairs (bulk, no signals)."""
    from siecle.models import Academy, Division, Guardian, GuardianLink, Mef, School, Student
    from siecle.uaj import uaj_with_key

    academy, _ = Academy.objects.get_or_create(code="BENCH", defaults={"name": "Académie du banc d'essai"})
    school = School.objects.create(academy=academy, uaj=uaj_with_key(9_876_543), name="Lycée du banc d'essai")
    mef = Mef.objects.create(school=school, code="20010018110", label="2NDE")
    division = Division.objects.create(school=school, code="2A", label="2NDE A")
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
            for i in range(PAIRS // 2)
        ]
    )
    guardians = Guardian.objects.bulk_create(
        [
            Guardian(school=school, siecle_id=str(i), last_name=f"PARENT{i:05d}", address_line1="1 rue", city="PARIS")
            for i in range(PAIRS)
        ]
    )
    links = GuardianLink.objects.bulk_create(
        [GuardianLink(student=students[i // 2], guardian=guardians[i], legal_rank=1 + i % 2) for i in range(PAIRS)]
    )
    return school, links


def _raw_insert(school, links, user) -> None:
    """The baseline: the same code and history rows, one multi-row INSERT each, no check at all."""
    from django.db import connection
    from django.utils import timezone

    from codes import values as codes
    from codes.models import ActivationCode, CodeEvent
    from codes.sealing import sealed_pairs

    at = timezone.now()
    values = sealed_pairs(codes.generate_many(len(links)))
    code_table, event_table = ActivationCode._meta.db_table, CodeEvent._meta.db_table
    with connection.cursor() as cursor:
        params = []
        for link, (sealed, lookup) in zip(links, values, strict=True):
            params += ["R", school.pk, link.student_id, link.pk, sealed, lookup, True, at, at, "creation", ""]
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(links))
        cursor.execute(
            f"INSERT INTO {code_table} (kind, school_id, student_id, link_id, value_sealed, value_lookup, is_valid, "  # noqa: S608
            "created_at, "
            f"changed_at, change_kind, notification_mode) VALUES {rows} RETURNING id",
            params,
        )
        code_ids = [r[0] for r in cursor.fetchall()]
        params = []
        for link, code_id in zip(links, code_ids, strict=True):
            params += ["R", school.pk, link.student_id, link.pk, code_id, "creation", "", "", at, user.pk]
        rows = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(links))
        cursor.execute(
            f"INSERT INTO {event_table} (kind, school_id, student_id, link_id, code_id, event, mode, detail, at, "  # noqa: S608
            f"by_id) VALUES {rows}",
            params,
        )


def _copy_insert(school, links, user) -> None:
    """The floor: the same rows with PostgreSQL COPY (ids drawn from the sequences first)."""
    from django.db import connection
    from django.utils import timezone

    from codes import values as codes
    from codes.models import ActivationCode, CodeEvent
    from codes.sealing import sealed_pairs

    at = timezone.now()
    values = sealed_pairs(codes.generate_many(len(links)))
    code_table, event_table = ActivationCode._meta.db_table, CodeEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{code_table}', 'id')) FROM generate_series(1, %s)",  # noqa: S608
            [len(links)],
        )
        code_ids = [r[0] for r in cursor.fetchall()]
        raw = cursor.cursor
        columns = (
            "id, kind, school_id, student_id, link_id, value_sealed, value_lookup, is_valid, created_at, changed_at, "
            "change_kind, notification_mode"
        )
        with raw.copy(f"COPY {code_table} ({columns}) FROM STDIN") as copy:
            for code_id, link, (sealed, lookup) in zip(code_ids, links, values, strict=True):
                copy.write_row(
                    (code_id, "R", school.pk, link.student_id, link.pk, sealed, lookup, True, at, at, "creation", "")
                )
        columns = "kind, school_id, student_id, link_id, code_id, event, mode, detail, at, by_id"
        with raw.copy(f"COPY {event_table} ({columns}) FROM STDIN") as copy:
            for code_id, link in zip(code_ids, links, strict=True):
                copy.write_row(("R", school.pk, link.student_id, link.pk, code_id, "creation", "", "", at, user.pk))


def _timed(fn) -> float:
    from django.db import transaction

    sid = transaction.savepoint()
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    transaction.savepoint_rollback(sid)
    return elapsed


def run() -> dict:
    _setup_django()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from car.services import car_create_bulk
    from car.views import MASS_PAGE_SIZE
    from codes.models import AccessRefusal, ActivationCode, CodeEvent
    from services.services import service_open, teleservices_activate
    from siecle.models import Guardian, GuardianLink, School, Student
    from staff.access import SESSION_KEY
    from staff.services import staff_user_create_or_update

    with transaction.atomic():
        school, links = _make_school()
        user, _ = staff_user_create_or_update(username="chef.banc", schools=[school])
        teleservices_activate(school=school, by=user)
        service_open(school=school, service="notes", by=user)
        link_ids = [link.pk for link in links]
        # The bench tables were filled inside this transaction: give the planner the statistics
        # autovacuum keeps on a live database, or it plans for empty tables.
        with connection.cursor() as cursor:
            for model in (School, Student, Guardian, GuardianLink, ActivationCode, AccessRefusal, CodeEvent):
                cursor.execute(f"ANALYZE {model._meta.db_table}")  # noqa: S608

        raw = [_timed(lambda: _raw_insert(school, links, user)) for _ in range(ROUNDS)]
        copy = [_timed(lambda: _copy_insert(school, links, user)) for _ in range(ROUNDS)]
        service = [_timed(lambda: car_create_bulk(school=school, link_ids=link_ids, by=user)) for _ in range(ROUNDS)]

        sid = transaction.savepoint()
        with CaptureQueriesContext(connection) as queries:
            report = car_create_bulk(school=school, link_ids=link_ids, by=user)
        assert report.created == PAIRS, report
        statements = len(queries)
        transaction.savepoint_rollback(sid)

        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_KEY] = school.pk
        session.save()
        url = reverse("car:mass_create") + "?population=tous&filtre=sans"
        start = time.perf_counter()
        listing = client.get(url)
        list_time = time.perf_counter() - start
        # The list shows one page; "tout cocher" stands for every pair of the criteria.
        assert listing.status_code == 200
        assert listing.content.count(b'name="couples"') == min(PAIRS, MASS_PAGE_SIZE)
        sid = transaction.savepoint()
        start = time.perf_counter()
        response = client.post(url, {"action": "creer", "couples": link_ids})
        request_time = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        assert ActivationCode.objects.filter(school=school, is_valid=True).count() == PAIRS
        transaction.savepoint_rollback(sid)
        sid = transaction.savepoint()
        start = time.perf_counter()
        response = client.post(url, {"action": "creer", "tout": "1"})
        select_all_time = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        assert ActivationCode.objects.filter(school=school, is_valid=True).count() == PAIRS
        transaction.savepoint_rollback(sid)
        transaction.set_rollback(True)

    raw_median, service_median = statistics.median(raw), statistics.median(service)
    copy_median = statistics.median(copy)
    figures = {
        "pairs": PAIRS,
        "raw_insert_s": raw_median,
        "service_s": service_median,
        "ratio": service_median / raw_median,
        "copy_s": copy_median,
        "ratio_to_copy": service_median / copy_median,
        "statements": statements,
        "request_s": request_time,
        "list_s": list_time,
        "select_all_request_s": select_all_time,
    }
    print(f"car_mass_create: {PAIRS} pairs")
    print(f"  raw bulk insert (codes + history, 2 INSERTs): {raw_median * 1000:.1f} ms (median of {ROUNDS})")
    print(f"  car_create_bulk: {service_median * 1000:.1f} ms, {statements} SQL statements")
    print(f"  COPY of the same rows (the floor): {copy_median * 1000:.1f} ms")
    print(f"  ratio service / raw bulk insert: {figures['ratio']:.2f} (target <= 2)")
    print(f"  ratio service / COPY: {figures['ratio_to_copy']:.2f}")
    print(f"  the list of {PAIRS} pairs (GET, first page rendered): {list_time * 1000:.1f} ms")
    print(f"  whole POST request (form parsing, checks, creation, redirect): {request_time * 1000:.1f} ms")
    print(f"  the same with 'tout cocher' (pairs read on the server): {select_all_time * 1000:.1f} ms")
    return figures


if __name__ == "__main__":
    run()

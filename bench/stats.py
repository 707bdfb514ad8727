"""Bench: the statistics (SPEC E1, E2) of a 2,500-student school, and the academy-wide table.

DESIGN.md targets: a constant number of queries whatever the school's size; the largest
school (2,500 students) answers in under 100 ms of server time; the academy-wide table under
5 s for 1,000 schools. Schools are made by the demo generator (COPY); their codes are put in
various states by set-based SQL (valid/invalid, notified this year/last year/never, attached
to an account this year/last year, refused). Printed: median milliseconds of the selector
alone and of the whole page (Django test client: view, template, middleware), and the query
count of each; for the academy, the time per school and its projection to 1,000 schools.
Everything runs inside a transaction that is rolled back: the database is left as found.

Run alone with `python bench/stats.py [academy setup seconds]`, or through `bench/run.py`.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

STUDENTS = 2500
ROUNDS = 15
ACADEMY_ROUNDS = 3
SCHOOL_UAJ_NUMBER = 9_923_451
IDLE_BASELINE_MS = 8  # DESIGN.md: "one school's per-division aggregate ~8 ms"
ACADEMY_SETUP_SECONDS = 60
ACADEMY_STUDENTS_PER_SCHOOL = 600
ACADEMY_TARGET_SCHOOLS = 1000
SCHOOL_TARGET_MS = 100
ACADEMY_TARGET_S = 5


def _setup_django() -> None:
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    os.environ.setdefault("DEBUG", "0")  # DEBUG keeps every SQL text: not what production runs
    import django

    django.setup()


def _give_codes_states(academy_id: int, year_start: datetime.date) -> None:
    """Codes in every state the statistics distinguish, for the academy's schools (set-based SQL).

    Legal pairs: 3% refused (no valid code, an invalidated one), 12% without code, the others a
    valid CAR, of which 70% notified (80% this school year, 20% the year before) and a third of
    the notified attached to an account (70% used this year); 10% of them also keep an older
    invalidated code. Students: their valid CAE (made with them) is notified for 90% of them,
    10% have an account, 4% refused.
    """
    from django.db import connection

    from codes.models import AccessRefusal, ActivationCode
    from siecle.models import GuardianLink, School, Student

    codes, refusals = ActivationCode._meta.db_table, AccessRefusal._meta.db_table
    links, students, schools = GuardianLink._meta.db_table, Student._meta.db_table, School._meta.db_table
    this_year = year_start + datetime.timedelta(days=40)
    last_year = year_start - datetime.timedelta(days=200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute("DROP TABLE IF EXISTS bench_pairs")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE bench_pairs ON COMMIT DROP AS
            SELECT l.id AS link_id, s.id AS student_id, s.school_id, random() AS r, random() AS n, random() AS a
            FROM {links} l JOIN {students} s ON s.id = l.student_id JOIN {schools} sc ON sc.id = s.school_id
            WHERE sc.academy_id = %s AND l.legal_rank IN (1, 2)
            """,  # noqa: S608
            [academy_id],
        )
        common = "kind, school_id, student_id, link_id, value_sealed, value_lookup, is_valid, created_at, changed_at, change_kind"
        cursor.execute(
            f"""
            INSERT INTO {codes} ({common}, notification_mode, invalidated_at)
            SELECT 'R', school_id, student_id, link_id, 'bench:X', 'X' || lpad(link_id::text, 12, '0'), false,
                   now() - interval '400 days', now() - interval '300 days', 'invalidation', '',
                   now() - interval '300 days'
            FROM bench_pairs WHERE r < 0.03 OR r > 0.90
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO {refusals} (kind, school_id, student_id, link_id, recorded_at)
            SELECT 'R', school_id, student_id, link_id, now() FROM bench_pairs WHERE r < 0.03
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO {codes} ({common}, notification_mode, notified_at, used_at, account_id)
            SELECT 'R', school_id, student_id, link_id, 'bench:Y', 'Y' || lpad(link_id::text, 12, '0'), true,
                   now(), now(), 'creation', CASE WHEN n < 0.7 THEN 'C' ELSE '' END,
                   CASE WHEN n < 0.56 THEN %s::date WHEN n < 0.7 THEN %s::date END,
                   CASE WHEN n < 0.7 AND a < 0.23 THEN %s::timestamptz
                        WHEN n < 0.7 AND a < 0.33 THEN %s::timestamptz END,
                   CASE WHEN n < 0.7 AND a < 0.33 THEN 1000000000 + link_id END
            FROM bench_pairs WHERE r >= 0.15
            """,  # noqa: S608
            [this_year, last_year, this_year, last_year],
        )
        cursor.execute(
            f"""
            UPDATE {codes} c SET
                notified_at = CASE WHEN x.n < 0.9 THEN %s::date END,
                notification_mode = CASE WHEN x.n < 0.9 THEN 'C' ELSE '' END,
                used_at = CASE WHEN x.a < 0.07 THEN %s::timestamptz WHEN x.a < 0.1 THEN %s::timestamptz END,
                account_id = CASE WHEN x.a < 0.1 THEN 2000000000 + c.student_id END
            FROM (SELECT s.id, random() AS n, random() AS a FROM {students} s
                  JOIN {schools} sc ON sc.id = s.school_id WHERE sc.academy_id = %s) x
            WHERE c.kind = 'E' AND c.is_valid AND c.student_id = x.id
            """,  # noqa: S608
            [this_year, this_year, last_year, academy_id],
        )
        cursor.execute(
            f"""
            INSERT INTO {refusals} (kind, school_id, student_id, recorded_at)
            SELECT 'E', s.school_id, s.id, now() FROM {students} s JOIN {schools} sc ON sc.id = s.school_id
            WHERE sc.academy_id = %s AND random() < 0.04
            """,  # noqa: S608
            [academy_id],
        )
        # The tables were filled inside this transaction: give the planner the statistics
        # autovacuum keeps on a live database, or it plans for empty tables.
        for table in (schools, students, links, codes, refusals):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608


def _measure(fn, rounds: int = ROUNDS) -> tuple[float, int]:
    """Median milliseconds over `rounds` calls (after one warm-up), and the statements of one call.

    Statements are counted by an execute wrapper: a request resets Django's query log.
    """
    from django.db import connection

    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(statements)


def _raw_baseline(school_id: int) -> float:
    """The raw floor (DESIGN.md: "one school's per-division aggregate ~8 ms" on an idle machine):
    E1's figures per division in hand-written SQL through a bare cursor, no ORM, no page."""
    from django.db import connection

    from codes.models import AccessRefusal, ActivationCode
    from siecle.models import Student

    students, codes = Student._meta.db_table, ActivationCode._meta.db_table
    refusals = AccessRefusal._meta.db_table
    sql = f"""
        SELECT s.mef_id, s.division_id, count(*), count(r.id), count(c.id) FILTER (WHERE c.notified_at IS NOT NULL),
               count(c.id) FILTER (WHERE c.account_id IS NOT NULL)
        FROM {students} s
        LEFT JOIN {codes} c ON c.student_id = s.id AND c.kind = 'E' AND c.is_valid AND c.school_id = %s
        LEFT JOIN {refusals} r ON r.student_id = s.id AND r.kind = 'E' AND r.school_id = %s
        WHERE s.school_id = %s AND NOT s.has_left GROUP BY 1, 2
    """  # noqa: S608

    def query():
        with connection.cursor() as cursor:
            cursor.execute(sql, [school_id] * 3)
            cursor.fetchall()

    return _measure(query)[0]


def _academy_raw_floor(academy_id: int) -> float:
    """The raw floor of the academy table: its legal links joined to their present students and
    counted per school, in hand-written SQL (no code, no refusal, no distinct)."""
    from django.db import connection

    from siecle.models import GuardianLink, School, Student

    links, students = GuardianLink._meta.db_table, Student._meta.db_table
    schools = School._meta.db_table
    sql = f"""
        SELECT s.school_id, count(*) FROM {links} l JOIN {students} s ON s.id = l.student_id
        JOIN {schools} sc ON sc.id = s.school_id
        WHERE sc.academy_id = %s AND NOT s.has_left AND l.legal_rank IN (1, 2) GROUP BY 1
    """  # noqa: S608

    def query():
        with connection.cursor() as cursor:
            cursor.execute(sql, [academy_id])
            cursor.fetchall()

    return _measure(query, ACADEMY_ROUNDS)[0]


def _client(user, school=None):
    from django.test import Client

    from staff.access import SESSION_KEY

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if school is not None:
        session = client.session
        session[SESSION_KEY] = school.pk
        session.save()
    return client


def _get(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def _school_figures() -> dict:
    from django.urls import reverse

    from demo.generator import create_demo_academy
    from siecle.models import Academy, School
    from staff.services import staff_user_create_or_update
    from stats.selectors import guardian_code_synthesis, student_code_synthesis

    report = create_demo_academy(
        schools=1, students_per_school=STUDENTS, academy_code="BENCH-STATS", first_uaj_number=SCHOOL_UAJ_NUMBER
    )
    school = School.objects.get(uaj=report.school_uajs[0])
    year_start, _ = school.school_year()
    _give_codes_states(Academy.objects.get(code="BENCH-STATS").pk, year_start)
    user, _ = staff_user_create_or_update(username="chef.banc.stats", schools=[school])
    client = _client(user, school)
    synthesis = guardian_code_synthesis(school=school)
    figures = {
        "students": report.students,
        "guardians_counted": synthesis.school.guardians,
        "raw_baseline_ms": _raw_baseline(school.pk),
    }
    for name, selector, url in (
        ("students", student_code_synthesis, reverse("stats:students")),
        ("guardians", guardian_code_synthesis, reverse("stats:guardians")),
    ):
        figures[f"{name}_selector_ms"], figures[f"{name}_selector_queries"] = _measure(
            lambda s=selector: s(school=school)
        )
        figures[f"{name}_page_ms"], figures[f"{name}_page_queries"] = _measure(lambda u=url: _get(client, u))
    return figures


def _school_again() -> dict:
    """The 2,500-student school measured again once the academy's rows fill the tables."""
    from django.urls import reverse

    from siecle.models import School
    from siecle.uaj import uaj_with_key
    from staff.models import SchoolMembership
    from stats.selectors import guardian_code_synthesis, student_code_synthesis

    school = School.objects.get(uaj=uaj_with_key(SCHOOL_UAJ_NUMBER))
    client = _client(SchoolMembership.objects.filter(school=school).get().user, school)
    figures = {}
    for name, selector, url in (
        ("students", student_code_synthesis, reverse("stats:students")),
        ("guardians", guardian_code_synthesis, reverse("stats:guardians")),
    ):
        figures[f"{name}_selector_ms"], figures[f"{name}_selector_queries"] = _measure(
            lambda s=selector: s(school=school)
        )
        figures[f"{name}_page_ms"], figures[f"{name}_page_queries"] = _measure(lambda u=url: _get(client, u))
    return figures


def _academy_figures(setup_seconds: float) -> dict:
    from django.urls import reverse

    from demo.generator import create_demo_academy
    from siecle.models import Academy
    from staff.models import AcademyMembership
    from staff.services import staff_user_create_or_update
    from stats.selectors import academy_code_synthesis

    start = time.perf_counter()
    schools = students = 0
    while time.perf_counter() - start < setup_seconds * 0.8:  # the code states take the rest
        report = create_demo_academy(
            schools=5,
            students_per_school=ACADEMY_STUDENTS_PER_SCHOOL,
            academy_code="BENCH-ACAD",
            first_uaj_number=9_930_001 + schools,
            seed=schools,
        )
        schools += report.schools
        students += report.students
    academy = Academy.objects.get(code="BENCH-ACAD")
    year_start, _ = academy.schools.first().school_year()
    _give_codes_states(academy.pk, year_start)
    setup = time.perf_counter() - start
    user, _ = staff_user_create_or_update(username="dsi.banc.stats")
    AcademyMembership.objects.create(user=user, academy=academy)
    client = _client(user)
    url = reverse("stats:academy", args=[academy.code])
    raw_ms = _academy_raw_floor(academy.pk)
    selector_ms, selector_queries = _measure(lambda: academy_code_synthesis(academy=academy), ACADEMY_ROUNDS)
    page_ms, page_queries = _measure(lambda: _get(client, url), ACADEMY_ROUNDS)
    return {
        "schools": schools,
        "students": students,
        "setup_s": setup,
        "raw_floor_ms": raw_ms,
        "selector_ms": selector_ms,
        "selector_queries": selector_queries,
        "page_ms": page_ms,
        "page_queries": page_queries,
        "projected_1000_schools_s": page_ms / 1000 * ACADEMY_TARGET_SCHOOLS / schools,
    }


def run(setup_seconds: float = ACADEMY_SETUP_SECONDS) -> dict:
    _setup_django()
    from django.db import transaction

    with transaction.atomic():
        school = _school_figures()
        academy = _academy_figures(setup_seconds)
        again = _school_again()
        transaction.set_rollback(True)

    load = school["raw_baseline_ms"] / IDLE_BASELINE_MS
    print(f"school of {school['students']} students ({school['guardians_counted']} guardians counted):")
    print(
        f"  raw SQL floor (E1 per division, bare cursor): {school['raw_baseline_ms']:.1f} ms "
        f"(~{IDLE_BASELINE_MS} ms on an idle machine: this run is {load:.1f}x slower)"
    )
    for name in ("students", "guardians"):
        print(
            f"  {name:9} synthesis: selector {school[f'{name}_selector_ms']:6.1f} ms "
            f"({school[f'{name}_selector_queries']} queries), page {school[f'{name}_page_ms']:6.1f} ms "
            f"({school[f'{name}_page_queries']} queries) = {school[f'{name}_page_ms'] / school['raw_baseline_ms']:.1f}x "
            f"the raw floor; target < {SCHOOL_TARGET_MS} ms"
        )
    print(
        f"academy of {academy['schools']} schools, {academy['students']} students (setup {academy['setup_s']:.0f} s):"
    )
    print(
        f"  raw floor (legal links of present students counted per school, bare cursor): {academy['raw_floor_ms']:.0f} ms"
    )
    print(
        f"  selector {academy['selector_ms']:.0f} ms ({academy['selector_queries']} queries), "
        f"page {academy['page_ms']:.0f} ms ({academy['page_queries']} queries) = "
        f"{academy['page_ms'] / academy['raw_floor_ms']:.1f}x the raw floor"
    )
    print(
        f"  projected to {ACADEMY_TARGET_SCHOOLS} schools (linear): {academy['projected_1000_schools_s']:.1f} s; "
        f"target < {ACADEMY_TARGET_S} s; at idle speed (/{load:.1f}): {academy['projected_1000_schools_s'] / load:.1f} s"
    )
    print(f"the same school again, now among {academy['schools'] + 1} schools of the database:")
    for name in ("students", "guardians"):
        print(
            f"  {name:9} synthesis: selector {again[f'{name}_selector_ms']:6.1f} ms "
            f"({again[f'{name}_selector_queries']} queries), page {again[f'{name}_page_ms']:6.1f} ms"
        )
    return {"school": school, "academy": academy, "school_in_academy": again}


if __name__ == "__main__":
    run(*(float(a) for a in sys.argv[1:2]))

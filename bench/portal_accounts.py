"""Bench: families' account creations (F1) against gunicorn running the portal alone, on PostgreSQL.

ACCOUNTS creations by THREADS concurrent clients, each one the real path of a parent: GET the
activation page (CSRF cookie), POST the code and the birth date, POST login, password and
e-mail; the portal hashes the password with Argon2, writes the account, its attachment and the
usage row, and e-mails the validation link (to a local aiosmtpd sink). The server is gunicorn
(2 processes x 10 threads, the machine's 2 cores) on `tsadmin.wsgi_portal` with
`tsadmin.settings_portal` and the bench's téléservices database, over loopback.

Printed: p50 and p95 of one creation (its two POSTs), errors, throughput, and beside them the
time Argon2 alone takes to hash one password on this machine (same hasher, same parameters,
one process), as a share of the median creation and of the CPU the run used. Every creation
comes from its own loopback address (127.0.x.y) as real parents would, so the per-address
rate limits are not what is measured. The rows it writes are deleted at the end.

Run alone with `python bench/portal_accounts.py` (after `make bench` created the databases), or
through `bench/run.py`.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ACCOUNTS = 200
THREADS = 20
WORKERS = 2
WORKER_THREADS = 10
FIRST_ID = 9_100_000_000  # ids of the bench's copied-down rows, far from any replicated one
BIRTH = "14/05/2012"
PASSWORD = "Une-phrase-de-passe-du-banc-42"  # noqa: S105 — the bench families' password
ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    import django

    django.setup()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rows() -> list[str]:
    """ACCOUNTS valid CARs in the téléservices database, as the replication copies them; their values."""
    import datetime as dt

    from django.utils import timezone

    from portal.digests import code_digest
    from portal.models import Code, Guardian, Link, School, Student

    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    values = [secrets.choice("0123") + "".join(secrets.choice(alphabet) for _ in range(12)) for _ in range(ACCOUNTS)]
    school = School.objects.create(
        id=FIRST_ID, uaj="9999999B", academy_code="BENCH", name="Collège du banc d'essai", replicated_at=timezone.now()
    )
    ids = range(FIRST_ID + 1, FIRST_ID + 1 + ACCOUNTS)
    Student.objects.bulk_create(
        [
            Student(id=i, school=school, last_name=f"ELEVE{i}", first_name="Camille", birth_date=dt.date(2012, 5, 14))
            for i in ids
        ]
    )
    Guardian.objects.bulk_create([Guardian(id=i, school=school, last_name=f"PARENT{i}") for i in ids])
    Link.objects.bulk_create([Link(id=i, school=school, student_id=i, guardian_id=i, legal_rank=1) for i in ids])
    Code.objects.bulk_create(
        [
            Code(
                id=i,
                school=school,
                digest=code_digest(value),
                kind=Code.Kind.CAR,
                link_id=i,
                student_id=i,
                created_on=timezone.localdate(),
            )
            for i, value in zip(ids, values, strict=True)
        ]
    )
    return values


def _cleanup() -> None:
    from portal.models import Account, Attachment, Code, CodeAttempt, Guardian, Link, Outbox, School, Student

    ids = range(FIRST_ID, FIRST_ID + 1 + ACCOUNTS)
    account_ids = list(Attachment.objects.filter(code_id__in=ids).values_list("account_id", flat=True))
    Outbox.objects.filter(code_id__in=ids).delete()
    CodeAttempt.objects.filter(code_id__in=ids).delete()
    Account.objects.filter(pk__in=account_ids).delete()  # attachments and sessions go with them
    Account.objects.filter(login__startswith="banc.").delete()
    Code.objects.filter(id__in=ids).delete()
    Link.objects.filter(id__in=ids).delete()
    Guardian.objects.filter(id__in=ids).delete()
    Student.objects.filter(id__in=ids).delete()
    School.objects.filter(id__in=ids).delete()


def _smtp_sink():
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook
            Sink.count += 1
            return "250 2.0.0 Accepted"

    port = _free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port, Sink


def _gunicorn(port: int, smtp_port: int) -> subprocess.Popen:
    from django.conf import settings

    db = settings.DATABASES["teleservices"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tsadmin.settings_portal",
        TSADMIN_ENV="test",
        DEBUG="false",
        TELESERVICES_DATABASE_URL=(
            f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{db['NAME']}"
        ),
        TELESERVICES_CODE_KEY=settings.TELESERVICES_CODE_KEY,
        PORTAL_SECRET_KEY=secrets.token_urlsafe(64),
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
    )
    return subprocess.Popen(  # noqa: S603 — our own virtualenv's gunicorn
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "tsadmin.wsgi_portal:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(WORKER_THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def _wait_ready(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/connexion/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STATE = re.compile(r'name="state" value="([^"]+)"')


def _one(port: int, n: int, value: str) -> tuple[float, str]:
    """One parent's creation from his own loopback address: (seconds of the two POSTs, error or "")."""
    source = (f"127.0.{1 + n // 250}.{1 + n % 250}", 0)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=source)
    cookies: dict[str, str] = {}

    def call(method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        answer = conn.getresponse()
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return answer.status, answer.read().decode()

    try:
        status, page = call("GET", "/activation/")
        token = _CSRF.search(page).group(1)
        start = time.perf_counter()
        status, page = call("POST", "/activation/", {"csrfmiddlewaretoken": token, "code": value, "birth_date": BIRTH})
        state = _STATE.search(page)
        if status != 200 or state is None:
            return time.perf_counter() - start, f"step 1: {status}"
        status, page = call(
            "POST",
            "/activation/compte/",
            {
                "csrfmiddlewaretoken": token,
                "state": state.group(1),
                "login": f"banc.{FIRST_ID}.{n}",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "email": f"banc{n}@familles.example",
            },
        )
        elapsed = time.perf_counter() - start
        if status != 200 or "Votre compte est créé" not in page:
            return elapsed, f"step 2: {status}"
        return elapsed, ""
    except (OSError, AttributeError, http.client.HTTPException) as error:
        return 0.0, f"{type(error).__name__}: {error}"
    finally:
        conn.close()


def _argon2_alone(rounds: int = 20) -> float:
    """Median seconds of one Argon2 hash of the portal (portal.auth.password_hash), one process."""
    from portal.auth import password_hash

    password_hash(PASSWORD)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        password_hash(PASSWORD)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run() -> None:
    _setup_django()
    from portal.models import Account

    _cleanup()
    values = _rows()
    controller, smtp_port, sink = _smtp_sink()
    port = _free_port()
    server = _gunicorn(port, smtp_port)
    try:
        _wait_ready(port, server)
        _one(port, ACCOUNTS + 1, "0000000000000")  # warm both workers' first request
        _one(port, ACCOUNTS + 2, "0000000000000")
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results = list(pool.map(lambda args: _one(port, *args), enumerate(values)))
        wall = time.perf_counter() - start
        created = Account.objects.filter(login__startswith=f"banc.{FIRST_ID}.").count()
    finally:
        server.terminate()
        server.wait(timeout=30)
        controller.stop()
    errors = [error for _, error in results if error]
    times = [elapsed for elapsed, error in results if not error]
    argon2 = _argon2_alone()
    cores = os.cpu_count() or 1
    p50, p95 = (_percentile(times, 0.5), _percentile(times, 0.95)) if times else (0.0, 0.0)
    print(
        f"F1 account creations: {ACCOUNTS} by {THREADS} concurrent clients, gunicorn {WORKERS} processes "
        f"x {WORKER_THREADS} threads, tsadmin.settings_portal on PostgreSQL (loopback)"
    )
    print(
        f"  created {created}, errors {len(errors)}{' (' + ', '.join(sorted(set(errors))[:3]) + ')' if errors else ''}"
    )
    print(f"  one creation (its two POSTs): p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"  throughput {len(times) / wall:.1f} creations/s ({wall:.1f} s wall clock, {cores} cores)")
    print(
        f"  Argon2 alone (one hash, one process): {argon2 * 1000:.0f} ms = {argon2 / p50:.0%} of the median "
        f"creation; {ACCOUNTS} hashes = {ACCOUNTS * argon2 / (wall * cores):.0%} of the run's CPU capacity"
        if p50
        else f"  Argon2 alone: {argon2 * 1000:.0f} ms"
    )
    print(f"  validation e-mails accepted by the SMTP sink: {sink.count}")
    _cleanup()
    if errors or created != ACCOUNTS:
        raise SystemExit(1)


if __name__ == "__main__":
    run()

"""Bench: 3,000 guardian letters in one job on a 2-process Celery worker, against one process
rendering the same letters as ONE WeasyPrint document.

DESIGN.md targets: the job's wall time at most 0.6x the single-document time (both cores
busy, chunks joined without re-rendering), and a peak resident memory under 400 MB per
worker process whatever the count. The worker is a real `celery worker --concurrency=2`
on the bench's Redis; its processes' peak memory is read from /proc (VmHWM) before it stops.
The school, its rows and the PDFs are removed at the end.

Run alone with `python bench/notify_letters.py`, or through `bench/run.py` (calls `run()`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LETTERS = 3000
ROOT = Path(__file__).resolve().parent.parent


def _setup_django(letters_dir: Path) -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    os.environ["NOTIFICATIONS_DIR"] = str(letters_dir)
    import django

    django.setup()


def _make_school():
    """1,500 students with two legal guardians each, every pair holding a valid CAR (bulk, no signals)."""
    from django.utils import timezone

    from codes import values
    from codes.models import ActivationCode, CodeKind, EventKind
    from siecle.models import Academy, Division, Guardian, GuardianLink, Mef, School, Student
    from siecle.uaj import uaj_with_key

    academy, _ = Academy.objects.get_or_create(
        code="BENCH", defaults={"name": "Académie du banc d'essai", "teleservices_url": "https://ts.bench.example/"}
    )
    school = School.objects.create(
        academy=academy,
        uaj=uaj_with_key(9_876_544),
        name="Lycée du banc d'essai des courriers",
        address_line1="1 place de la République",
        postcode="78000",
        city="VERSAILLES",
        phone="01 39 00 00 00",
    )
    mef = Mef.objects.create(school=school, code="20010018110", label="2NDE")
    divisions = [Division.objects.create(school=school, code=f"2{c}", label=f"2NDE {c}") for c in "ABCDEFGH"]
    students = Student.objects.bulk_create(
        [
            Student(
                school=school,
                siecle_id=str(i),
                last_name=f"ELEVE{i:05d}",
                first_name="Camille",
                search_name=f"ELEVE{i:05d}",
                mef=mef,
                division=divisions[i % len(divisions)],
            )
            for i in range(LETTERS // 2)
        ]
    )
    guardians = Guardian.objects.bulk_create(
        [
            Guardian(
                school=school,
                siecle_id=str(i),
                civility="MME" if i % 2 else "M.",
                last_name=f"PARENT{i:05d}",
                first_name="Dominique",
                address_line1=f"{i} rue des Écoles",
                postcode="78000",
                city="VERSAILLES",
            )
            for i in range(LETTERS)
        ]
    )
    links = GuardianLink.objects.bulk_create(
        [GuardianLink(student=students[i // 2], guardian=guardians[i], legal_rank=1 + i % 2) for i in range(LETTERS)]
    )
    now = timezone.now()
    ActivationCode.objects.bulk_create(
        [
            ActivationCode(
                kind=CodeKind.CAR,
                school=school,
                student_id=link.student_id,
                link=link,
                value=value,
                created_at=now,
                changed_at=now,
                change_kind=EventKind.CREATION,
            )
            for link, value in zip(links, values.generate_many(len(links)), strict=True)
        ]
    )
    return school, [link.pk for link in links]


def _remove_school(school) -> None:
    from django.db import transaction

    from codes.models import ActivationCode, CodeEvent
    from jobs.models import Job
    from services.models import SchoolSettings, ServiceState, SettingChange
    from siecle.models import GuardianLink

    with transaction.atomic():
        CodeEvent.objects.filter(school=school).delete()
        ActivationCode.objects.filter(school=school).delete()
        GuardianLink.objects.filter(student__school=school).delete()
        Job.objects.filter(school=school).delete()
        for model in (SettingChange, ServiceState, SchoolSettings):
            model.objects.filter(school=school).delete()
        school.students.all().delete()
        school.guardians.all().delete()
        school.delete()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _start_worker(
    letters_dir: Path,
    *,
    queues: str = "celery,letters",
    concurrency: int = 2,
    name: str = "letters",
    purge: bool = True,
) -> subprocess.Popen:
    """A real `celery worker` consuming `queues` with `concurrency` processes, once it answers and has them."""
    import socket

    from tsadmin.celery import app

    if purge:
        app.control.purge()
    env = {**os.environ, "NOTIFICATIONS_DIR": str(letters_dir)}
    hostname = f"bench-{name}-{os.getpid()}@{socket.gethostname()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tsadmin",
            "worker",
            f"--queues={queues}",
            f"--concurrency={concurrency}",
            f"--hostname={hostname}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[hostname], timeout=0.5) and len(_children(proc.pid)) >= concurrency:
            return proc
    proc.kill()
    raise RuntimeError("the Celery worker did not start within 60 s")


def run() -> dict:
    letters_dir = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    _setup_django(letters_dir)
    from django.db import connection

    from jobs.models import Job
    from notifications.batches import CHUNK_SIZE, letters_job_start
    from notifications.content import guardian_letters
    from notifications.letters import letters_pdf
    from services.services import service_open, teleservices_activate
    from staff.services import staff_user_create_or_update

    school, link_ids = _make_school()
    user, _ = staff_user_create_or_update(username="chef.banc.courriers", schools=[school])
    teleservices_activate(school=school, by=user)
    service_open(school=school, service="notes", by=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    worker = None
    try:
        worker = _start_worker(letters_dir)
        start = time.perf_counter()
        job = letters_job_start(school=school, kind="car", ids=link_ids, by=user)
        while True:
            job = Job.objects.get(pk=job.pk)
            if job.is_finished:
                break
            time.sleep(0.5)
        job_time = time.perf_counter() - start
        assert job.state == "done", job.message
        assert job.result["letters"] == LETTERS, job.result
        peaks = [_peak_rss_mb(pid) for pid in _children(worker.pid)]
        from pypdf import PdfReader

        job_pages = len(PdfReader(letters_dir / job.result["pdf"]).pages)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)

    # The baseline: the same letters, one document, one process.
    start = time.perf_counter()
    letters = guardian_letters(school=school, link_ids=link_ids)
    one_pages = letters_pdf(letters=letters, output=letters_dir / "one-document.pdf")
    one_time = time.perf_counter() - start
    assert one_pages == job_pages, (one_pages, job_pages)

    _remove_school(school)
    user.delete()
    for path in letters_dir.iterdir():
        path.unlink()
    letters_dir.rmdir()

    ratio = job_time / one_time
    print(f"letters: {LETTERS} guardian letters, {job_pages} pages, {CHUNK_SIZE} letters per chunk")
    print(f"one document in one process: {one_time:.1f} s ({one_pages / one_time:.1f} pages/s)")
    print(f"job on a 2-process worker:   {job_time:.1f} s ({job_pages / job_time:.1f} pages/s)")
    print(f"ratio job / one document: {ratio:.2f} (target <= 0.6) {'OK' if ratio <= 0.6 else 'MISSED'}")
    print(
        "peak RSS per worker process: "
        + ", ".join(f"{p:.0f} MB" for p in peaks)
        + f" (target < 400 MB) {'OK' if peaks and max(peaks) < 400 else 'MISSED'}"
    )
    return {"job_s": job_time, "one_s": one_time, "ratio": ratio, "peak_rss_mb": peaks}


if __name__ == "__main__":
    run()

"""Bench: the back-to-school peak, bounded in time (issue #14).

Three loads at once, on the real processes over loopback (PostgreSQL, Redis, an SMTP sink):

- parents creating their accounts (F1, Argon2) on the families' site (gunicorn running
  `tsadmin.wsgi_portal`, PEAK_PORTAL_WORKERS processes x PEAK_PORTAL_THREADS threads) at a
  sustained rate: PEAK_RATE creations per second for PEAK_SECONDS seconds, each from its own
  loopback address (bench/portal_accounts.py's path of a parent);
- a school of PEAK_PUPILS pupils printing its guardians' letters (one job, 2 letters a pupil)
  on the letters' Celery pool (`-Q letters`, PEAK_LETTERS_CONCURRENCY processes, 2 by default);
- another school importing its SIECLE export (preview then apply, two jobs) on the default
  queue's pool (`-Q celery`, PEAK_DEFAULT_CONCURRENCY processes, 1 by default): two pools, as
  production runs them (docs/deploy.md), so the import no longer waits behind the letters.

Printed: p50/p95 and errors of the creations under that load (and the rate reached), each job's
duration, and the peak resident memory (VmHWM) of every process: gunicorn's master and workers,
both Celery pools' processes. From those, the settings to use: gunicorn `max_requests` and
Celery's `worker_max_memory_per_child` (docs/deploy.md), printed with the margin applied.

`python bench/peak.py` after `make bench` created the databases, or `make bench BENCH=peak`.
Everything it creates is removed at the end.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RATE = float(os.environ.get("PEAK_RATE", "4"))  # account creations started per second
SECONDS = int(os.environ.get("PEAK_SECONDS", "60"))
PUPILS = int(os.environ.get("PEAK_PUPILS", "2000"))
IMPORT_STUDENTS = int(os.environ.get("PEAK_IMPORT_STUDENTS", "1200"))
PORTAL_WORKERS = int(os.environ.get("PEAK_PORTAL_WORKERS", "2"))
PORTAL_THREADS = int(os.environ.get("PEAK_PORTAL_THREADS", "8"))
LETTERS_CONCURRENCY = int(os.environ.get("PEAK_LETTERS_CONCURRENCY", "2"))
DEFAULT_CONCURRENCY = int(os.environ.get("PEAK_DEFAULT_CONCURRENCY", "1"))
MAX_SECONDS = 900  # the whole bench is bounded: it stops waiting for the jobs after this


def _setup(letters_dir: Path) -> None:
    for path in (str(ROOT), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    os.environ["NOTIFICATIONS_DIR"] = str(letters_dir)
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="bench-peak-media-"))
    import django

    django.setup()


def _vmhwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return found


class _Peaks:
    """Peak RSS per process of some process trees, read every half second (processes that a
    `max_requests` or `max-memory-per-child` restart replaced keep their last reading)."""

    def __init__(self, roots: dict[str, int]):
        self.roots = roots
        self.peaks: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.wait(0.5):
            self.read()

    def read(self) -> None:
        for name, root in self.roots.items():
            for pid in _tree(root):
                mb = _vmhwm_mb(pid)
                if mb:
                    self.peaks[(name, pid)] = max(self.peaks.get((name, pid), 0.0), mb)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.read()
        self.stop.set()
        self.thread.join(timeout=5)


def _import_uploads(folder: Path, uaj: str) -> list:
    """The school's two SIECLE exports (students, then guardians), one upload each, as a head drops them."""
    from _siecle_exports import generate
    from django.core.files.uploadedfile import SimpleUploadedFile

    return [
        SimpleUploadedFile(path.name, path.read_bytes()) for path in generate(folder, uaj=uaj, students=IMPORT_STUDENTS)
    ]


def _took(job) -> tuple[float, str]:
    from django.utils import timezone

    state = job.state if job.state == "done" else f"{job.state} ({job.message})"
    return ((job.finished_at or timezone.now()) - job.created_at).total_seconds(), state


def _wait_job(job_id, *, deadline: float):
    from jobs.models import Job

    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.5)
    return Job.objects.get(pk=job_id)


def _import_all(school, uploads: list, head, deadline: float, jobs: dict) -> None:
    """Each export previewed then applied, as the head does, one after the other (a thread of its own)."""
    from django.db import close_old_connections, transaction

    from imports.services import siecle_import_apply_start, siecle_import_preview_start

    try:
        for upload in uploads:
            with transaction.atomic():
                preview = siecle_import_preview_start(school=school, upload=upload, user=head)
            preview = _wait_job(preview.pk, deadline=deadline)
            jobs[f"import preview {upload.name}"] = _took(preview)
            if preview.state != "done":
                return
            with transaction.atomic():
                applied = siecle_import_apply_start(preview=preview, user=head, risks_confirmed=True)
            jobs[f"import apply {upload.name}"] = _took(_wait_job(applied.pk, deadline=deadline))
    finally:
        close_old_connections()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def run() -> None:
    letters_dir = Path(tempfile.mkdtemp(prefix="bench-peak-letters-"))
    _setup(letters_dir)
    import notify_letters
    import portal_accounts
    from django.db import transaction

    from notifications.batches import letters_job_start
    from portal.models import Account
    from services.services import service_open, teleservices_activate
    from siecle.models import Academy, School
    from siecle.uaj import uaj_with_key
    from staff.services import staff_user_create_or_update

    accounts = max(1, int(RATE * SECONDS))
    portal_accounts.ACCOUNTS = accounts
    notify_letters.LETTERS = PUPILS * 2
    portal_accounts._cleanup()
    values = portal_accounts._rows()
    printing, link_ids = notify_letters._make_school()
    academy = Academy.objects.get(code="BENCH")
    importing = School.objects.create(academy=academy, uaj=uaj_with_key(9_876_545), name="Collège du banc d'import")
    head, _ = staff_user_create_or_update(username="chef.banc.pic", schools=[printing, importing])
    for school in (printing, importing):
        teleservices_activate(school=school, by=head)
        service_open(school=school, service="notes", by=head)
    folder = Path(tempfile.mkdtemp(prefix="bench-peak-export-"))
    uploads = _import_uploads(folder, importing.uaj)

    controller, smtp_port, sink = portal_accounts._smtp_sink()
    port = portal_accounts._free_port()
    portal_accounts.WORKERS, portal_accounts.WORKER_THREADS = PORTAL_WORKERS, PORTAL_THREADS
    server = portal_accounts._gunicorn(port, smtp_port)
    workers: dict[str, object] = {}
    results: list[tuple[float, str]] = []
    jobs: dict[str, tuple[float, str]] = {}
    try:
        portal_accounts._wait_ready(port, server)
        workers["celery worker (letters)"] = notify_letters._start_worker(
            letters_dir, queues="letters", concurrency=LETTERS_CONCURRENCY, name="letters"
        )
        workers["celery worker (default)"] = notify_letters._start_worker(
            letters_dir, queues="celery", concurrency=DEFAULT_CONCURRENCY, name="default", purge=False
        )
        portal_accounts._one(port, accounts + 1, "0000000000000")  # warm the first request
        portal_accounts._one(port, accounts + 2, "0000000000000")
        roots = {"gunicorn (families' site)": server.pid} | {name: w.pid for name, w in workers.items()}
        with _Peaks(roots) as peaks:
            deadline = time.monotonic() + MAX_SECONDS
            start = time.perf_counter()
            with transaction.atomic():
                letters = letters_job_start(school=printing, kind="car", ids=link_ids, by=head)
            importer = threading.Thread(target=_import_all, args=(importing, uploads, head, deadline, jobs))
            importer.start()
            # Parents arrive at a steady rate (one thread each, as many as needed to hold it).
            with ThreadPoolExecutor(max_workers=max(8, int(RATE * 30))) as pool:
                futures = []
                for n, value in enumerate(values):
                    due = start + n / RATE
                    pause = due - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    futures.append(pool.submit(portal_accounts._one, port, n, value))
                results = [f.result() for f in futures]
            creations_wall = time.perf_counter() - start
            jobs["letters"] = _took(_wait_job(letters.pk, deadline=deadline))
            importer.join(timeout=max(1.0, deadline - time.monotonic()))
        created = Account.objects.filter(login__startswith=f"banc.{portal_accounts.FIRST_ID}.").count()
    finally:
        server.terminate()
        server.wait(timeout=30)
        for worker in workers.values():
            worker.terminate()
        for worker in workers.values():
            worker.wait(timeout=60)
        controller.stop()
        portal_accounts._cleanup()
        notify_letters._remove_school(printing)
        notify_letters._remove_school(importing)

    errors = [error for _, error in results if error]
    times = [elapsed for elapsed, error in results if not error]
    print(
        f"Back-to-school peak: {accounts} account creations at {RATE:g}/s for {SECONDS} s (gunicorn "
        f"{PORTAL_WORKERS} x {PORTAL_THREADS}), while a {PUPILS}-pupil school prints {len(link_ids)} letters and "
        f"another imports a {IMPORT_STUDENTS}-student export (Celery pools: letters {LETTERS_CONCURRENCY} "
        f"processes, default queue {DEFAULT_CONCURRENCY}); {os.cpu_count()} cores, "
        f"load average before {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  creations: {created} made, errors {len(errors)}"
        f"{' (' + ', '.join(sorted(set(errors))[:3]) + ')' if errors else ''}; "
        f"p50 {_percentile(times, 0.5) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms, "
        f"mean {statistics.mean(times) * 1000 if times else 0:.0f} ms; "
        f"{len(times) / creations_wall:.2f}/s reached over {creations_wall:.0f} s"
    )
    for name, (seconds, state) in jobs.items():
        print(f"  job {name}: {state} in {seconds:.1f} s")
    print(f"  validation e-mails accepted by the SMTP sink: {sink.count}")
    by_name: dict[str, list[float]] = {}
    for (name, _pid), mb in sorted(peaks.peaks.items()):
        by_name.setdefault(name, []).append(mb)
    for name, mbs in by_name.items():
        print(f"  peak RSS {name}: " + ", ".join(f"{mb:.0f} MB" for mb in sorted(mbs, reverse=True)))
    worker_peak = max([*by_name.get("celery worker (letters)", [0.0]), *by_name.get("celery worker (default)", [0.0])])
    portal_peak = max(by_name.get("gunicorn (families' site)", [0.0]))
    print(
        f"  settings from these figures: Celery --max-memory-per-child={int(worker_peak * 1.5 * 1024)} "
        f"(1.5 x the worker's peak {worker_peak:.0f} MB, in KiB); gunicorn --max-requests 2000 "
        f"--max-requests-jitter 200 (a worker's peak {portal_peak:.0f} MB stays flat across the run: the "
        f"restart bounds slow leaks, not a measured growth)"
    )
    if errors or created != accounts or any(state != "done" for _, state in jobs.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    run()

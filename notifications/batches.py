"""Mass letters as one background job (SPEC C3, D2): chunks rendered in parallel, then joined.

`letters_job_start` groups the selection into chunks of whole letters (all the children of a
guardian stay in one letter, so in one chunk), creates a `jobs.Job` of kind `notify_letters`
and queues, on commit, a Celery chord: one task per chunk renders its letters as ONE
WeasyPrint document into a part file (memory stays flat whatever the batch, both worker
processes work), then the chord's callback joins the parts with pypdf (no re-rendering),
records the notification (Courrier) of exactly the codes printed, in one transaction, and
finishes the job with its result. Any failure fails the job with a French message; nothing
is recorded and the part files are removed.

Tasks carry ids only, never a code value (the broker stores task arguments). The PDF goes to
`settings.NOTIFICATIONS_DIR` (private, never served by the web server) and is downloaded
through a view that checks the school; a beat task deletes it after
`settings.NOTIFICATIONS_RETENTION_DAYS`.
"""

from __future__ import annotations

import datetime
import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from pypdf import PdfWriter

from codes.models import CodeKind, NotificationMode
from codes.services import codes_notification_record
from jobs.models import Job, JobState
from jobs.services import job_claim, job_create, job_fail, job_finish, job_progress
from siecle.models import LEGAL_RANKS, Guardian, GuardianLink, School, Student
from tsadmin.testhooks import pause_hook

from .content import guardian_letters, student_letters
from .letters import letters_pdf

logger = logging.getLogger(__name__)

JOB_KIND = "notify_letters"
KINDS = ("car", "cae")
# Letters per WeasyPrint document, at most: a document grows ~0.64 MB per page, so 120 letters
# of two pages keep a worker process near 250 MB (200 reached 390 MB in bench/notify_letters.py).
CHUNK_SIZE = 120
# Worker processes that render in parallel: the chunks come in a multiple of it, of even sizes,
# so that no process idles while the other renders the last chunk.
PARALLEL_RENDERERS = 2
FAILED_MESSAGE = "La création des courriers a échoué ; aucune notification n’a été enregistrée. Relancez-la."
QUEUE_DOWN_MESSAGE = (
    "Le service de tâches ne répond pas : les courriers n’ont pas été créés et aucune notification "
    "n’a été enregistrée. Relancez la notification dans quelques minutes."
)
# Test-only: "stage:path" makes a chunk stop at that stage ("chunk_started": claimed, nothing
# written; "chunk_written": its part file written, its result not returned yet) while `path`
# exists; the fault tests kill the worker there. Ignored outside TSADMIN_ENV=test.
PAUSE_ENV = "TSADMIN_LETTERS_PAUSE_AT"
_ADDRESS_FIELDS = ("address_line1", "address_line2", "address_line3", "postcode", "city")


def notifications_dir() -> Path:
    folder = Path(settings.NOTIFICATIONS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def letters_pdf_path(job: Job) -> Path | None:
    """The joined PDF of a finished letters job, when it still exists."""
    name = (job.result or {}).get("pdf")
    if job.kind != JOB_KIND or job.state != JobState.DONE or not name:
        return None
    root = notifications_dir().resolve()
    path = (root / str(name)).resolve()
    return path if path.parent == root and path.is_file() else None


def _parts_dir(job_id) -> Path:
    return notifications_dir() / f"parts-{job_id}"


def _guardian_chunks(*, school: School, ids: list[int]) -> tuple[list[list[int]], int, int]:
    """Chunks of link ids (whole guardians, sorted by name), letters count, guardians without address."""
    rows = (
        GuardianLink.objects.filter(
            pk__in=ids,
            student__school=school,
            guardian__school=school,
            legal_rank__in=LEGAL_RANKS,
            activation_codes__is_valid=True,
            activation_codes__kind=CodeKind.CAR,
        )
        .order_by()
        .values_list(
            "pk",
            "guardian_id",
            "guardian__last_name",
            "guardian__first_name",
            *(f"guardian__{f}" for f in _ADDRESS_FIELDS),
        )
    )
    has_address = Guardian.has_postal_address.fget
    links: dict[int, list[int]] = {}
    names: dict[int, tuple] = {}
    skipped: set[int] = set()
    for pk, guardian_id, last, first, *address in rows:
        if not has_address(SimpleNamespace(**dict(zip(_ADDRESS_FIELDS, address, strict=True)))):
            skipped.add(guardian_id)
            continue
        links.setdefault(guardian_id, []).append(pk)
        names[guardian_id] = ((last or "").upper(), (first or "").upper(), guardian_id)
    ordered = sorted(links, key=names.__getitem__)
    chunks = [[pk for guardian_id in group for pk in links[guardian_id]] for group in _split(ordered)]
    return chunks, len(ordered), len(skipped)


def _split(items: list) -> list[list]:
    """`items` in chunks of at most CHUNK_SIZE, their count a multiple of PARALLEL_RENDERERS, sizes even."""
    if not items:
        return []
    count = -(-len(items) // CHUNK_SIZE)
    if count > 1:
        count = -(-count // PARALLEL_RENDERERS) * PARALLEL_RENDERERS
    size, extra = divmod(len(items), count)
    chunks, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        chunks.append(items[start:end])
        start = end
    return chunks


def _student_chunks(*, school: School, ids: list[int]) -> tuple[list[list[int]], int, int]:
    rows = list(
        Student.objects.filter(
            pk__in=ids, school=school, activation_codes__is_valid=True, activation_codes__kind=CodeKind.CAE
        )
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)
    )
    return _split(rows), len(rows), 0


def letters_job_start(*, school: School, kind: str, ids: list[int], by) -> Job:
    """Start the letters of a selection: "car" (ids = link ids) or "cae" (ids = student ids).

    Guardians without a usable postal address get no letter and are counted in the result
    (`skipped_no_address`). The job's result when done:
    `{"pdf": name, "letters": n, "codes": m, "skipped_no_address": k}`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown letters kind {kind!r}")
    ids = sorted({int(i) for i in ids})
    chunker = _guardian_chunks if kind == "car" else _student_chunks
    chunks, letters, skipped = chunker(school=school, ids=ids)
    job = job_create(
        school=school,
        kind=JOB_KIND,
        created_by=by,
        params={"kind": kind, "chunks": len(chunks), "letters": letters, "skipped_no_address": skipped},
        total=len(chunks),
        message="Création des courriers en attente",
    )
    if not chunks:
        job_claim(job_id=job.pk)
        job_finish(job_id=job.pk, result={"pdf": "", "letters": 0, "codes": 0, "skipped_no_address": skipped})
        job.refresh_from_db()
        return job
    from . import tasks  # the tasks call this module's functions

    job_id = str(job.pk)

    def queue() -> None:
        try:
            tasks.letters_queue(job_id=job_id, kind=kind, chunks=chunks)
        except KombuOperationalError:  # the broker is down: say so at once, nothing was recorded
            logger.warning("letters job %s: the task queue does not answer", job_id)
            job_fail(job_id=job_id, message=QUEUE_DOWN_MESSAGE)

    transaction.on_commit(queue)
    return job


def letters_chunk_render(*, job_id: str, kind: str, index: int, ids: list[int]) -> dict:
    """Render one chunk into its part file; returns what it printed (ids only)."""
    job = Job.objects.select_related("school").get(pk=job_id)
    if job.state in (JobState.DONE, JobState.FAILED):
        return {"index": index, "letters": 0, "code_ids": [], "skipped": True}
    job_claim(job_id=job_id, message="Création des courriers en cours")
    pause = pause_hook(PAUSE_ENV)
    pause("chunk_started")
    try:
        if kind == "car":
            letters = [x for x in guardian_letters(school=job.school, link_ids=ids) if x.postal_lines]
        else:
            letters = student_letters(school=job.school, student_ids=ids)
        code_ids = [code_id for letter in letters for code_id in letter.code_ids]
        folder = _parts_dir(job_id)
        if letters:
            letters_pdf(letters=letters, output=folder / f"{index:05d}.pdf")
        pause("chunk_written")
        done = len(list(folder.glob("[0-9]*.pdf"))) if folder.exists() else 0
        job_progress(job_id=job_id, done=done, total=job.total, message="Création des courriers en cours")
    except Exception:
        logger.exception("letters chunk %s of job %s failed", index, job_id)
        letters_job_fail(job_id=job_id)
        raise
    return {"index": index, "letters": len(letters), "code_ids": code_ids}


def letters_join(*, job_id: str, parts: list[dict]) -> dict:
    """Join the part files into one PDF, record the notifications printed, finish the job."""
    job = Job.objects.select_related("school", "created_by").get(pk=job_id)
    if job.state in (JobState.DONE, JobState.FAILED) or any(p.get("skipped") for p in parts):
        # Finished meanwhile (the stale-job sweep failed it while a lost chunk waited to come
        # back): nothing to record, and the parts written before are of no use any more.
        shutil.rmtree(_parts_dir(job_id), ignore_errors=True)
        return dict(job.result or {})
    name = f"{job.pk}.pdf"
    output = notifications_dir() / name
    try:
        folder = _parts_dir(job_id)
        writer = PdfWriter()
        for part in sorted(parts, key=lambda p: p["index"]):
            if part["letters"]:
                writer.append(folder / f"{part['index']:05d}.pdf")
        partial = output.with_name(f".{name}.tmp")
        with partial.open("wb") as stream:
            writer.write(stream)
        writer.close()
        partial.replace(output)
        code_ids = [code_id for part in parts for code_id in part["code_ids"]]
        result = {
            "pdf": name,
            "letters": sum(p["letters"] for p in parts),
            "codes": len(code_ids),
            "skipped_no_address": (job.params or {}).get("skipped_no_address", 0),
        }
        with transaction.atomic():
            # Locked, then read again: the stale-job sweep may have failed the job while the
            # parts were merged (a chunk back after the broker's visibility timeout); the head
            # was then told nothing was recorded, and may already have started the letters again.
            state = Job.objects.select_for_update().values_list("state", flat=True).get(pk=job_id)
            if state in (JobState.DONE, JobState.FAILED):
                output.unlink(missing_ok=True)
                return dict(Job.objects.get(pk=job_id).result or {})
            codes_notification_record(
                school=job.school, code_ids=code_ids, mode=NotificationMode.LETTER, by=job.created_by
            )
            job_finish(job_id=job_id, result=result, message="Courriers prêts")
    except Exception:
        logger.exception("joining the letters of job %s failed", job_id)
        output.unlink(missing_ok=True)
        letters_job_fail(job_id=job_id)
        raise
    finally:
        shutil.rmtree(_parts_dir(job_id), ignore_errors=True)
    return result


def letters_job_fail(*, job_id: str) -> None:
    """Fail the job (nothing recorded) and remove what it wrote."""
    job_fail(job_id=job_id, message=FAILED_MESSAGE)
    shutil.rmtree(_parts_dir(job_id), ignore_errors=True)


def letters_pdfs_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the letters PDFs (and stray part folders) older than the retention period."""
    cutoff = (now or timezone.now()).timestamp() - settings.NOTIFICATIONS_RETENTION_DAYS * 86400
    removed = 0
    for path in notifications_dir().iterdir():
        try:
            if path.stat().st_mtime >= cutoff:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed += 1
        except FileNotFoundError:
            continue
    return removed

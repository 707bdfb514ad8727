"""Bench: import of a generated SIECLE export of 2,500 students (students + guardians), and of 10x that.

DESIGN.md target: streaming parse, memory flat in file size. Each import runs in a fresh
process (so its peak memory is its own), inside a transaction that is rolled back: the
database is left as found. Printed per size: time of the import, time of the same import
again (idempotent: nothing to write), peak resident memory of the process, and the peak of
Python allocations during the import alone (tracemalloc, in a second process because
tracing slows everything down). Target: the 10x export keeps peak memory within 1.5x.

Run alone with `python bench/import_siecle.py [students]`, or through `bench/run.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STUDENTS = 2500
SCALE = 10
TARGET_MEMORY_RATIO = 1.5
HERE = Path(__file__).resolve()


def _setup_django() -> None:
    root = HERE.parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsadmin.settings")
    import django

    django.setup()


def _rss_mb() -> float:
    """Peak resident memory of this process. VmHWM starts afresh at exec; ru_maxrss would not
    (Linux carries the parent's peak over fork and exec), hence /proc first."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(students_file: str, guardians_file: str, uaj: str, trace: bool) -> dict:
    """In a fresh process: import both files for a new school, then again; roll everything back."""
    _setup_django()
    import tracemalloc

    from django.db import transaction

    from siecle.importer import ExportFile, import_exports
    from siecle.models import Academy, School

    files = [ExportFile(students_file), ExportFile(guardians_file)]
    figures: dict = {"rss_before_mb": _rss_mb()}
    with transaction.atomic():
        if School.objects.filter(uaj=uaj).exists():
            raise SystemExit(f"a school {uaj} already exists in this database: the bench needs a free UAJ")
        academy, _ = Academy.objects.get_or_create(code="BENCH", defaults={"name": "Académie du banc d'essai"})
        School.objects.create(academy=academy, uaj=uaj, name="Collège du banc d'essai")
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        report = import_exports(files, uaj=uaj)
        figures["import_s"] = time.perf_counter() - start
        if trace:
            figures["heap_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
            tracemalloc.stop()
        start = time.perf_counter()
        again = import_exports(files, uaj=uaj)
        figures["reimport_s"] = time.perf_counter() - start
        transaction.set_rollback(True)
    figures["rss_peak_mb"] = _rss_mb()
    figures["rows"] = {k: c.created for k, c in report.counts.items()}
    figures["reimport_writes"] = sum(c.created + c.updated + c.left for c in again.counts.values())
    figures["rejected"] = len(report.rejected)
    return figures


def _raw_parse(*paths: Path) -> float:
    """The baseline: stream the same files through expat, clearing each element, nothing else."""
    from defusedxml.ElementTree import iterparse  # the parser the importer uses

    start = time.perf_counter()
    for path in paths:
        for _event, elem in iterparse(path):
            elem.clear()
    return time.perf_counter() - start


def _run_child(students_file: Path, guardians_file: Path, uaj: str, trace: bool) -> dict:
    env = dict(os.environ, DEBUG="0")  # DEBUG keeps every SQL text: not what production runs
    args = [sys.executable, str(HERE), "--child", str(students_file), str(guardians_file), uaj]
    if trace:
        args.append("--trace")
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(students: int = STUDENTS) -> dict:
    sys.path.insert(0, str(HERE.parent))
    _setup_django()
    from _siecle_exports import generate

    from siecle.uaj import uaj_with_key

    uaj = uaj_with_key(9_912_345)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-siecle-") as folder:
        for size in (students, students * SCALE):
            start = time.perf_counter()
            eleves, responsables = generate(Path(folder), uaj=uaj, students=size)
            generated = time.perf_counter() - start
            figures = _run_child(eleves, responsables, uaj, trace=False)
            figures["heap_peak_mb"] = _run_child(eleves, responsables, uaj, trace=True)["heap_peak_mb"]
            figures["file_mb"] = (eleves.stat().st_size + responsables.stat().st_size) / 1024 / 1024
            figures["generate_s"] = generated
            figures["raw_parse_s"] = _raw_parse(eleves, responsables)
            eleves.unlink()
            responsables.unlink()
            results[size] = figures
    small, big = results[students], results[students * SCALE]
    rss_ratio = big["rss_peak_mb"] / small["rss_peak_mb"]
    heap_ratio = big["heap_peak_mb"] / small["heap_peak_mb"]
    print(f"import_siecle: generated export of {students} students (students + guardians), then {SCALE}x")
    for size, f in results.items():
        rows = ", ".join(f"{k} {v}" for k, v in f["rows"].items() if v)
        print(f"  {size} students, {f['file_mb']:.1f} MB of XML ({rows}; {f['rejected']} rejected)")
        print(
            f"    import {f['import_s']:.2f} s ({f['import_s'] / f['raw_parse_s']:.1f}x a raw parse of the files, "
            f"{f['raw_parse_s']:.2f} s), same import again {f['reimport_s']:.2f} s ({f['reimport_writes']} rows written)"
        )
        print(
            f"    peak memory of the process {f['rss_peak_mb']:.0f} MB (after start-up {f['rss_before_mb']:.0f} MB); "
            f"peak Python allocations during the import {f['heap_peak_mb']:.1f} MB"
        )
    verdict = "ok" if rss_ratio <= TARGET_MEMORY_RATIO else "OVER TARGET"
    print(f"  peak memory {SCALE}x / 1x: {rss_ratio:.2f} (target <= {TARGET_MEMORY_RATIO}) {verdict}")
    print(f"  peak Python allocations {SCALE}x / 1x: {heap_ratio:.2f}")
    print(f"  time {SCALE}x / 1x: {big['import_s'] / small['import_s']:.1f}")
    return {
        "students": students,
        "import_s": small["import_s"],
        "import_10x_s": big["import_s"],
        "rss_peak_mb": small["rss_peak_mb"],
        "rss_peak_10x_mb": big["rss_peak_mb"],
        "rss_ratio": rss_ratio,
        "heap_ratio": heap_ratio,
        "ok": rss_ratio <= TARGET_MEMORY_RATIO and small["reimport_writes"] == 0,
    }


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3], sys.argv[4], trace="--trace" in sys.argv)))
    else:
        sys.exit(0 if run(int(sys.argv[1]) if len(sys.argv) > 1 else STUDENTS)["ok"] else 1)

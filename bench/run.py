"""Run every benchmark of this folder: `make bench`, or `python bench/run.py [name ...]`.

A benchmark is a module `bench/<name>.py` (not starting with "_") that defines `run()` and
runs it when executed as a script. Each one runs in its own process, so a crash or the
memory of one does not spoil the others; its output is printed as it comes. The exit
status is 1 when any failed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    found = []
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith("_") or path.name == "run.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "run" for node in tree.body):
            found.append(path)
    return found


def main(names: list[str]) -> int:
    selected = [p for p in benchmarks() if not names or p.stem in names]
    unknown = set(names) - {p.stem for p in selected}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    failed = []
    for path in selected:
        print(f"=== {path.stem}", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        print(
            f"=== {path.stem}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {time.perf_counter() - start:.0f} s"
        )
        if code:
            failed.append(path.stem)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Structures exports: divisions with their labels.

Two layouts, neither with a public sample: sts_emp_UAJ_year.xml (root STS_EDT, divisions as
DONNEES/STRUCTURE/DIVISIONS/DIVISION[@CODE] with LIBELLE_LONG) and Structures.xml (root
BEE_STRUCTURES, DIVISION elements with a CODE_STRUCTURE child). Both are read the same way:
a DIVISION's code is its CODE attribute or its CODE_STRUCTURE child. Groups are ignored.
"""

from __future__ import annotations

from typing import Any

from ..models import Division
from .context import ImportContext
from .reading import ExportReader, fields
from .writer import merge_page


def import_structures(reader: ExportReader, ctx: ImportContext) -> None:
    counts = ctx.report.counts["divisions"]
    page: dict[str, dict[str, Any]] = {}
    for elem in reader.records({"DIVISION", "GROUPE"}):
        if elem.tag == "GROUPE":
            counts.ignored += 1
            continue
        values = fields(elem)
        code = values.get("CODE") or values.get("CODE_STRUCTURE", "")
        if not code:
            ctx.report.reject("division", "?", "code de division absent")
            continue
        if code.lower() == "inactifs":
            counts.ignored += 1
            continue
        page[code] = {"label": values.get("LIBELLE_LONG") or values.get("LIBELLE_COURT") or ""}
    # A school has a few hundred divisions at most: one page.
    _, ids = merge_page(model=Division, school=ctx.school, key="code", rows=page, counts=counts)
    ctx.division_ids.update(ids)

"""BEE_NOMENCLATURES: the MEFs (code, short and long label). Code lists are not stored."""

from __future__ import annotations

from typing import Any

from ..models import Mef
from .context import ImportContext
from .reading import ExportReader, fields
from .staging import PAGE
from .writer import merge_page


def import_nomenclature(reader: ExportReader, ctx: ImportContext) -> None:
    page: dict[str, dict[str, Any]] = {}
    counts = ctx.report.counts["mefs"]

    def flush() -> None:
        _, ids = merge_page(model=Mef, school=ctx.school, key="code", rows=page, counts=counts)
        ctx.mef_ids.update(ids)
        page.clear()

    for elem in reader.records({"MEF"}):
        values = fields(elem)
        code = values.get("CODE_MEF", "")
        if not code:
            ctx.report.reject("MEF", "?", "CODE_MEF absent")
            continue
        page[code] = {
            "label": values.get("FORMATION") or values.get("LIBELLE_EDITION") or code,
            "long_label": values.get("LIBELLE_LONG", "") or values.get("LIBELLE_EDITION", ""),
        }
        if len(page) >= PAGE:
            flush()
    flush()

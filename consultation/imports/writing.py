"""Writing one batch of parsed rows: compare with the base, then create or update in bulk.

Only real differences are written, so importing the same files twice writes nothing (and the
replication journal, filled by triggers on any write, records nothing). Rows of the base that
a file does not name are left as they are (see the README, "Consultation data").
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models

from siecle.importer.report import KindCounts

from ..models import Absence, B2iValidation, CompetenceValidation, Evaluation, Mark
from .rows import Parsed

MODELS: dict[str, type[models.Model]] = {
    "evaluations": Evaluation,
    "marks": Mark,
    "absences": Absence,
    "lpc": CompetenceValidation,
    "b2i": B2iValidation,
}
KEY_FIELDS = {
    "evaluations": ("school_id", "ref"),
    "marks": ("evaluation_id", "student_id"),
    "absences": ("student_id", "date", "half_day"),
    "lpc": ("student_id", "competence"),
    "b2i": ("student_id", "item"),
}
BATCH = 1000


def batch_upsert(*, kind: str, rows: Sequence[Parsed], counts: dict[tuple[str, str], KindCounts]) -> None:
    """Create the new rows, update the changed ones, count each in `counts[(uaj, kind)]`."""
    if not rows:
        return
    model, key_fields = MODELS[kind], KEY_FIELDS[kind]
    candidates = model.objects.filter(**{f"{f}__in": {row.values[f] for row in rows} for f in key_fields})
    existing = {tuple(getattr(obj, f) for f in key_fields): obj for obj in candidates}
    has_updated_at = any(f.name == "updated_at" for f in model._meta.fields)
    writes: list[models.Model] = []
    for row in rows:
        tally = counts.setdefault((row.uaj, kind), KindCounts())
        obj = existing.get(row.key)
        if obj is None:
            tally.created += 1
        elif any(getattr(obj, name) != value for name, value in row.values.items()):
            tally.updated += 1
        else:
            tally.unchanged += 1
            continue
        writes.append(model(**row.values))
    if writes:
        # One INSERT … ON CONFLICT DO UPDATE for the new and the changed rows of the batch (far
        # cheaper than bulk_update's CASE per row); unchanged rows are never sent.
        names = [name.removesuffix("_id") for name in key_fields]
        values = [name.removesuffix("_id") for name in rows[0].values if name not in key_fields]
        model.objects.bulk_create(
            writes,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=names,
            update_fields=[*values, *(["updated_at"] if has_updated_at else [])],
        )

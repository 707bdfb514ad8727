"""Writing one batch of parsed rows: compare with the base, then create or update in bulk.

Only real differences are written, so importing the same files twice writes nothing (and the
replication journal, filled by triggers on any write, records nothing). Rows of the base that
a file does not name are left as they are (see the README, "Consultation data").
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models
from django.utils import timezone

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
    now = timezone.now()
    to_create, to_update, changed_fields = [], [], set()
    for row in rows:
        tally = counts.setdefault((row.uaj, kind), KindCounts())
        obj = existing.get(row.key)
        if obj is None:
            to_create.append(model(**row.values))
            tally.created += 1
            continue
        changed = [name for name, value in row.values.items() if getattr(obj, name) != value]
        if not changed:
            tally.unchanged += 1
            continue
        for name in changed:
            setattr(obj, name, row.values[name])
        if has_updated_at:
            obj.updated_at = now
        changed_fields.update(changed)
        to_update.append(obj)
        tally.updated += 1
    if to_update:
        fields = sorted(name.removesuffix("_id") for name in changed_fields)
        model.objects.bulk_update(to_update, [*fields, *(["updated_at"] if has_updated_at else [])], batch_size=BATCH)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=BATCH)

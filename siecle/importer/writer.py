"""Writing one page of records into the SIECLE base: compare, then create or update in bulk.

Rows are compared with what the base holds, and only real differences are written, so an
import of the same file twice writes nothing and the counts say what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from ..models import School
from .report import KindCounts


def fit(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Cut text values to their column's length (SIECLE's limits are not ours everywhere)."""
    for name, value in values.items():
        if isinstance(value, str):
            max_length = model._meta.get_field(name).max_length
            if max_length and len(value) > max_length:
                values[name] = value[:max_length]
    return values


def merge_page(
    *,
    model: type[models.Model],
    school: School,
    key: str,
    rows: dict[str, dict[str, Any]],
    counts: KindCounts,
    prepare: Callable[[models.Model, list[str] | None], None] | None = None,
) -> tuple[list[int], dict[str, int]]:
    """Create or update the rows (key value -> field values) of one page for the school.

    `prepare(obj, changed)` is called before writing each new (changed=None) or changed row.
    Returns the ids of the created rows and the id of every row of the page by key.
    """
    if not rows:
        return [], {}
    fields = sorted({name for values in rows.values() for name in values})
    existing = {getattr(obj, key): obj for obj in model.objects.filter(school=school, **{f"{key}__in": list(rows)})}
    now = timezone.now()
    to_update: list[models.Model] = []
    to_create: list[models.Model] = []
    for key_value, values in rows.items():
        values = fit(model, values)
        obj = existing.get(key_value)
        if obj is None:
            obj = model(school=school, **{key: key_value}, **values)
            if prepare:
                prepare(obj, None)
            to_create.append(obj)
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            if prepare:
                prepare(obj, changed)
            to_update.append(obj)
        else:
            counts.unchanged += 1
    has_updated_at = any(f.name == "updated_at" for f in model._meta.fields)
    if to_update:
        extra = ["updated_at"] if has_updated_at else []
        if has_updated_at:
            for obj in to_update:
                obj.updated_at = now
        if model.__name__ == "Student" and "last_name" in fields:
            extra.append("search_name")
        model.objects.bulk_update(to_update, fields + extra, batch_size=500)
        counts.updated += len(to_update)
    created = model.objects.bulk_create(to_create, batch_size=1000)
    counts.created += len(created)
    ids = {getattr(obj, key): obj.pk for obj in existing.values()}
    ids.update({getattr(obj, key): obj.pk for obj in created})
    return [obj.pk for obj in created], ids

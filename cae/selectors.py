"""Reads of the students' code screens (D3): one query per list."""

from __future__ import annotations

from django.db.models import QuerySet

from codes.models import CodeKind
from codes.selectors import WHOLE_SCHOOL, Selection, valid_code_annotations
from siecle.models import School, Student


def cae_students(*, school: School, selection: Selection = WHOLE_SCHOOL) -> QuerySet[Student]:
    """The students of the selection with refusal and valid-CAE facts (the same annotations as `car_pairs`)."""
    return (
        selection.students(school)
        .select_related("division", "mef")
        .annotate(**valid_code_annotations(kind=CodeKind.CAE, owner="student"))
        .order_by("search_name", "last_name", "first_name", "pk")
    )

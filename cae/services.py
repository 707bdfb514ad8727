"""Writes on students' codes (SPEC D1, D3). The code lifecycle itself is `codes.services`.

A student always holds exactly one valid CAE: it is created with him, replaced by "Nouveau
code", and never invalidated by a refusal (it also opens other applications than the
téléservices: ENT, OBII...). "Enlever l'accès" only records the refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from codes.models import AccessRefusal, ActivationCode, CodeKind
from codes.services import (
    CodeError,
    Regenerated,
    Target,
    access_refusals_create,
    access_refusals_lift,
    code_regenerate,
    codes_create_bulk,
)
from siecle.models import School, Student


def cae_create_for_students(*, school: School, student_ids: Iterable[int], by=None) -> int:
    """Give each of these students of the school his CAE, unless he already has a valid one.

    Safe to call twice (the SIECLE import and the demo generator send `students_created`,
    a student created one by one gets his code from `post_save`): a constant number of statements.
    """
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        return 0
    with transaction.atomic():
        already = set(
            ActivationCode.objects.filter(kind=CodeKind.CAE, is_valid=True, student_id__in=ids).values_list(
                "student_id", flat=True
            )
        )
        known = set(Student.objects.filter(school=school, pk__in=ids).values_list("pk", flat=True))
        targets = [Target(pk) for pk in ids if pk in known and pk not in already]
        created = codes_create_bulk(kind=CodeKind.CAE, school=school, targets=targets, by=by)
    return len(created)


def _lock_student(student: Student) -> Student:
    return Student.objects.select_for_update().select_related("school").get(pk=student.pk)


def cae_regenerate(*, student: Student, by) -> Regenerated:
    """ "Nouveau code" (D3): invalidate the student's valid CAE, then create a new valid one."""
    with transaction.atomic():
        student = _lock_student(student)
        return code_regenerate(kind=CodeKind.CAE, school=student.school, target=Target(student.pk), by=by)


def cae_access_remove(*, student: Student, by) -> None:
    """ "Enlever l'accès" (D3): the student loses the téléservices; his CAE stays valid."""
    with transaction.atomic():
        student = _lock_student(student)
        if AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).exists():
            raise CodeError("L'accès de cet élève aux téléservices est déjà enlevé.")
        access_refusals_create(kind=CodeKind.CAE, school=student.school, targets=[Target(student.pk)], by=by)


def cae_access_authorise(*, student: Student, by) -> None:
    """ "Autoriser l'accès" (D3): lift the student's refusal."""
    lifted = access_refusals_lift(
        kind=CodeKind.CAE,
        school=student.school,
        refusals_qs=AccessRefusal.objects.filter(student=student),
        by=by,
    )
    if not lifted:
        raise CodeError("L'accès de cet élève n'était pas enlevé.")

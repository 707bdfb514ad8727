"""Writes on students' codes (SPEC D1, D3). The code rules themselves live in `car.services`.

A student always holds exactly one valid CAE: it is created with him, replaced by "Nouveau
code", and never invalidated by a refusal (it also opens other applications than the
téléservices: ENT, OBII...). "Enlever l'accès" only records the refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from car.models import AccessRefusal, ActivationCode, CodeKind, EventKind
from car.services import CodeError, Target, code_events_create, codes_create_bulk, codes_invalidate
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


def cae_regenerate(*, student: Student, by) -> ActivationCode:
    """ "Nouveau code" (D3): invalidate the student's valid CAE, then create a new valid one."""
    with transaction.atomic():
        student = _lock_student(student)
        at = timezone.now()
        codes_invalidate(
            codes_qs=ActivationCode.objects.filter(kind=CodeKind.CAE, student=student),
            by=by,
            detail="Remplacé par un nouveau code",
            at=at,
        )
        (new,) = codes_create_bulk(kind=CodeKind.CAE, school=student.school, targets=[Target(student.pk)], by=by, at=at)
    return ActivationCode.objects.get(pk=new.pk)


def cae_access_remove(*, student: Student, by) -> None:
    """ "Enlever l'accès" (D3): the student loses the téléservices; his CAE stays valid."""
    with transaction.atomic():
        student = _lock_student(student)
        if AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).exists():
            raise CodeError("L'accès de cet élève aux téléservices est déjà enlevé.")
        at = timezone.now()
        AccessRefusal.objects.create(
            kind=CodeKind.CAE, school=student.school, student=student, recorded_at=at, recorded_by=by
        )
        code_events_create(
            kind=CodeKind.CAE,
            school=student.school,
            rows=[(student.pk, None, None)],
            event=EventKind.REFUSAL,
            at=at,
            by=by,
        )


def cae_access_authorise(*, student: Student, by) -> None:
    """ "Autoriser l'accès" (D3): lift the student's refusal."""
    with transaction.atomic():
        student = _lock_student(student)
        deleted, _ = AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).delete()
        if not deleted:
            raise CodeError("L'accès de cet élève n'était pas enlevé.")
        code_events_create(
            kind=CodeKind.CAE,
            school=student.school,
            rows=[(student.pk, None, None)],
            event=EventKind.REFUSAL_LIFTED,
            at=timezone.now(),
            by=by,
        )

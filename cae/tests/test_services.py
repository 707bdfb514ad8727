import pytest

from cae import services
from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind
from codes.services import CodeError
from demo.generator import create_demo_academy
from siecle.factories import StudentFactory
from siecle.models import School, Student
from siecle.signals import students_created

pytestmark = pytest.mark.django_db


def valid_cae(student):
    return list(ActivationCode.objects.filter(kind=CodeKind.CAE, student=student, is_valid=True))


def test_a_student_created_alone_has_his_valid_code_at_once(school):
    student = StudentFactory(school=school)
    (code,) = valid_cae(student)
    assert code.link is None and CodeEvent.objects.get(code=code).event == EventKind.CREATION


def test_students_created_in_bulk_get_their_codes_once_even_if_told_twice(school):
    students = Student.objects.bulk_create(
        [
            Student(school=school, siecle_id=str(i), last_name="BULK", first_name="A", search_name="BULK")
            for i in range(5)
        ]
    )
    ids = [s.pk for s in students]
    students_created.send(sender=School, school=school, student_ids=ids)
    students_created.send(sender=School, school=school, student_ids=ids)
    assert ActivationCode.objects.filter(kind=CodeKind.CAE, student_id__in=ids, is_valid=True).count() == 5
    assert ActivationCode.objects.filter(kind=CodeKind.CAE, student_id__in=ids).count() == 5


def test_the_demo_academy_gives_every_student_a_valid_code():
    create_demo_academy(schools=1, students_per_school=40)
    students = Student.objects.count()
    assert students >= 40
    assert ActivationCode.objects.filter(kind=CodeKind.CAE, is_valid=True).count() == students


def test_new_student_code_replaces_the_valid_one(school, head):
    student = StudentFactory(school=school)
    (old,) = valid_cae(student)
    result = services.cae_regenerate(student=student, by=head)
    new = result.code
    assert result.replaced
    old.refresh_from_db()
    assert not old.is_valid and valid_cae(student) == [new]


def test_removing_the_access_never_invalidates_the_student_code(school, head):
    student = StudentFactory(school=school)
    (code,) = valid_cae(student)
    services.cae_access_remove(student=student, by=head)
    assert AccessRefusal.objects.filter(kind=CodeKind.CAE, student=student).exists()
    assert valid_cae(student) == [code]
    with pytest.raises(CodeError):
        services.cae_access_remove(student=student, by=head)
    services.cae_access_authorise(student=student, by=head)
    assert not AccessRefusal.objects.filter(student=student).exists()
    kinds = list(CodeEvent.objects.filter(student=student).order_by("pk").values_list("event", flat=True))
    assert kinds == [EventKind.CREATION, EventKind.REFUSAL, EventKind.REFUSAL_LIFTED]


def test_the_database_refuses_a_second_valid_student_code(school):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    student = StudentFactory(school=school)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivationCode.objects.create(
            kind=CodeKind.CAE,
            school=school,
            student=student,
            value="0000000000009",
            created_at=now,
            changed_at=now,
            change_kind=EventKind.CREATION,
        )

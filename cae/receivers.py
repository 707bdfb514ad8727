"""D1: a student has his valid CAE from the moment he exists in the SIECLE base."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from siecle.models import School, Student
from siecle.signals import students_created

from .services import cae_create_for_students


@receiver(students_created, dispatch_uid="cae_students_created")
def give_new_students_their_code(sender, *, school: School, student_ids: list[int], **kwargs) -> None:
    cae_create_for_students(school=school, student_ids=student_ids)


@receiver(post_save, sender=Student, dispatch_uid="cae_student_saved")
def give_a_student_saved_alone_his_code(sender, instance: Student, created: bool, raw: bool = False, **kwargs) -> None:
    """A student created one by one (admin, factories): bulk creations send `students_created`."""
    if created and not raw:
        cae_create_for_students(school=instance.school, student_ids=[instance.pk])

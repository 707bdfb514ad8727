"""factory_boy factories of the consultation data (tests and benches)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from siecle.factories import StudentFactory

from .models import Absence, AbsenceState, B2iValidation, CompetenceValidation, Evaluation, HalfDay, Mark, MarkStatus


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    student = factory.SubFactory(StudentFactory)
    school = factory.LazyAttribute(lambda o: o.student.school)
    date = datetime.date(2026, 11, 16)
    half_day = HalfDay.MORNING
    state = AbsenceState.NOTED


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    school = factory.LazyAttribute(lambda o: o.division.school)
    ref = factory.Sequence(lambda n: f"EV{n:06d}")
    division = factory.SubFactory("siecle.factories.DivisionFactory")
    subject = "MATHEMATIQUES"
    label = factory.Sequence(lambda n: f"Contrôle {n}")
    teacher = "M. DUPONT"
    evaluated_on = datetime.date(2026, 11, 10)
    coefficient = Decimal("1.00")
    scale = 20
    publish_on = datetime.date(2026, 11, 12)


class MarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mark

    evaluation = factory.SubFactory(EvaluationFactory)
    student = factory.LazyAttribute(
        lambda o: StudentFactory(school=o.evaluation.school, division=o.evaluation.division)
    )
    school = factory.LazyAttribute(lambda o: o.evaluation.school)
    status = MarkStatus.MARKED
    value = Decimal("14.50")


class CompetenceValidationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CompetenceValidation

    student = factory.SubFactory(StudentFactory)
    school = factory.LazyAttribute(lambda o: o.student.school)
    competence = 1
    validated_on = datetime.date(2026, 11, 2)
    entered_on = datetime.date(2026, 11, 2)


class B2iValidationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = B2iValidation

    student = factory.SubFactory(StudentFactory)
    school = factory.LazyAttribute(lambda o: o.student.school)
    item = "1.1"
    domain = factory.LazyAttribute(lambda o: int(o.item.split(".")[0]))
    validated_on = datetime.date(2026, 10, 5)

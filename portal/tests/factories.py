"""Rows of the téléservices database for tests, until (and besides) the replication fills them.

Plain factory_boy factories of the copied-down tables (ids chosen here stand for SIECLE ids),
and two helpers that build what a letter gives a family:

    code, value = guardian_code(school=school, student=student)   # a CAR and its clear value
    code, value = student_code(school=school, student=student)    # a CAE

`value` is the 13-character code as printed; the row stores only its digest
(portal.digests.code_digest with settings.TELESERVICES_CODE_KEY). Any test using them needs
the téléservices database (`@pytest.mark.django_db(databases="__all__")` or
`databases=["teleservices"]`). `account_factory(...)` makes a families' account with a real
Argon2 password.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

import factory
from django.utils import timezone

from portal.auth import password_hash
from portal.digests import code_digest
from portal.models import Account, Attachment, Code, Division, Guardian, Link, Mef, School, Student

_ids = itertools.count(10_000)
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PASSWORD = "Un-mot-de-passe-familial-42"


def next_id() -> int:
    return next(_ids)


def code_value() -> str:
    """A 13-character code as the SIECLE side makes them (first character 0-3)."""
    return secrets.choice("0123") + "".join(secrets.choice(ALPHABET) for _ in range(12))


class TsSchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    id = factory.LazyFunction(next_id)
    uaj = factory.Sequence(lambda n: f"{790000 + n:07d}X")
    academy_code = "TEST"
    name = factory.Sequence(lambda n: f"Collège des familles {n}")
    address_line1 = "1 rue des Écoles"
    postcode = "78000"
    city = "VERSAILLES"
    phone = "01 23 45 67 89"
    welcome_html = ""
    services = factory.LazyFunction(lambda: ["absences", "notes"])
    replicated_at = factory.LazyFunction(timezone.now)


class TsMefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mef

    id = factory.LazyFunction(next_id)
    school = factory.SubFactory(TsSchoolFactory)
    code = "10110001110"
    label = "6EME"


class TsDivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division

    id = factory.LazyFunction(next_id)
    school = factory.SubFactory(TsSchoolFactory)
    code = factory.Sequence(lambda n: f"6{chr(65 + n % 26)}")
    label = ""


class TsStudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    id = factory.LazyFunction(next_id)
    school = factory.SubFactory(TsSchoolFactory)
    last_name = factory.Sequence(lambda n: f"ÉLÈVE{n}")
    first_name = "Léa"
    birth_date = dt.date(2013, 5, 14)
    division = factory.LazyAttribute(lambda o: TsDivisionFactory(school=o.school))
    mef = factory.LazyAttribute(lambda o: TsMefFactory(school=o.school))
    access_refused = False


class TsGuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    id = factory.LazyFunction(next_id)
    school = factory.SubFactory(TsSchoolFactory)
    civility = "MME"
    last_name = factory.Sequence(lambda n: f"PARENT{n}")
    first_name = "Anne"


class TsLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    id = factory.LazyFunction(next_id)
    school = factory.SubFactory(TsSchoolFactory)
    student = factory.LazyAttribute(lambda o: TsStudentFactory(school=o.school))
    guardian = factory.LazyAttribute(lambda o: TsGuardianFactory(school=o.school))
    legal_rank = 1


def guardian_code(
    *, school: School | None = None, student: Student | None = None, value: str | None = None
) -> tuple[Code, str]:
    """A valid CAR (a legal guardian 1 of `student`) as replicated; returns (row, clear value)."""
    school = school or (student.school if student else TsSchoolFactory())
    student = student or TsStudentFactory(school=school)
    link = TsLinkFactory(school=school, student=student)
    value = value or code_value()
    code = Code.objects.create(
        id=next_id(),
        school=school,
        digest=code_digest(value),
        kind=Code.Kind.CAR,
        link=link,
        student=student,
        created_on=timezone.localdate(),
    )
    return code, value


def student_code(
    *, school: School | None = None, student: Student | None = None, value: str | None = None
) -> tuple[Code, str]:
    """A valid CAE of `student` as replicated; returns (row, clear value)."""
    school = school or (student.school if student else TsSchoolFactory())
    student = student or TsStudentFactory(school=school)
    value = value or code_value()
    code = Code.objects.create(
        id=next_id(),
        school=school,
        digest=code_digest(value),
        kind=Code.Kind.CAE,
        link=None,
        student=student,
        created_on=timezone.localdate(),
    )
    return code, value


def account_factory(
    *,
    login: str | None = None,
    password: str = PASSWORD,
    kind: str = Account.Kind.GUARDIAN,
    state: str = Account.State.VALIDATED,
    email: str = "",
    codes: list[Code] = (),
    must_change_password: bool = False,
) -> Account:
    """A families' account (Argon2 password), with `codes` attached as F1/F2 would."""
    login = login or f"famille{next_id()}"
    account = Account.objects.create(
        login=login,
        email=email or f"{login}@familles.example",
        password=password_hash(password),
        kind=kind,
        state=state,
        must_change_password=must_change_password,
        validated_at=timezone.now() if state == Account.State.VALIDATED else None,
    )
    for code in codes:
        Attachment.objects.create(
            account=account,
            code_id=code.id,
            student_id=code.student_id,
            school_id=code.school_id,
            attached_at=timezone.now(),
        )
    return account

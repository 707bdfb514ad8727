"""factory_boy factories of the SIECLE base, shared by every app's tests and the benchmarks."""

import datetime

import factory

from .models import Academy, Division, Ent, Guardian, GuardianLink, LegalRank, Mef, School, Student, search_key
from .uaj import uaj_with_key


class AcademyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Academy
        django_get_or_create = ["code"]

    code = "TEST"
    name = "Académie de test"
    teleservices_url = "https://teleservices.test.example/"


class EntFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ent

    academy = factory.SubFactory(AcademyFactory)
    location = "YVELINES"
    description = factory.Sequence(lambda n: f"ENT numéro {n}")
    url = factory.Sequence(lambda n: f"https://ent{n}.test.example/")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    academy = factory.SubFactory(AcademyFactory)
    uaj = factory.Sequence(lambda n: uaj_with_key(780000 + n))
    name = factory.Sequence(lambda n: f"Collège numéro {n}")
    address_line1 = "1 rue de Paris"
    postcode = "78000"
    city = "VERSAILLES"
    phone = "01 39 00 00 00"
    fax = "01 39 00 00 01"
    email1 = factory.LazyAttribute(lambda o: f"ce.{o.uaj.lower()}@ac-test.example")
    school_year_start = datetime.date(2026, 9, 1)
    school_year_end = datetime.date(2027, 8, 31)


class MefFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mef
        django_get_or_create = ["school", "code"]

    school = factory.SubFactory(SchoolFactory)
    code = "10310019110"
    label = "3EME"


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ["school", "code"]

    school = factory.SubFactory(SchoolFactory)
    code = "3A"
    label = "3EME A"


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    siecle_id = factory.Sequence(lambda n: str(100000 + n))
    ine = factory.Sequence(lambda n: f"{1234500000 + n}A")
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    search_name = factory.LazyAttribute(lambda o: search_key(o.last_name))
    birth_date = datetime.date(2012, 5, 17)
    sex = "F"
    mef = factory.LazyAttribute(lambda o: MefFactory(school=o.school))
    division = factory.LazyAttribute(lambda o: DivisionFactory(school=o.school))
    entry_date = datetime.date(2023, 9, 1)


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    school = factory.SubFactory(SchoolFactory)
    siecle_id = factory.Sequence(lambda n: str(900000 + n))
    civility = "MME"
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    address_line1 = "32 rue Camille Pelletan"
    postcode = "78800"
    city = "HOUILLES"
    country = "FRANCE"
    email = factory.Sequence(lambda n: f"parent{n}@famille.test.example")


class GuardianLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardianLink

    student = factory.SubFactory(StudentFactory)
    guardian = factory.LazyAttribute(lambda o: GuardianFactory(school=o.student.school))
    legal_rank = LegalRank.LEGAL_1
    relationship = "10"

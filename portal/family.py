"""What a signed-in family sees on its home page (F3): its children, their schools, their services.

Reads only (a few queries whatever the number of children). The children of an account are its
attachments whose `Code` row still exists (a revoked code's row is deleted at once); a student
whose access was refused (D3) shows nothing through his own code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from .models import Account, Attachment, Code, Guardian, Link, School, Student
from .welcome import welcome_html

# The national services (services.catalogue on the SIECLE side), as families read them.
SERVICE_LABELS = {
    "absences": "Consultation des absences",
    "lpc": "Consultation du livret personnel de compétences",
    "notes": "Consultation des notes",
    "b2i": "Brevet informatique et internet",
}


@dataclass(frozen=True)
class ServiceLink:
    code: str
    label: str
    url: str | None  # None until the consultation page exists: shown "bientôt disponible"


@dataclass
class Child:
    student_id: int
    first_name: str
    last_name: str
    birth_date: dt.date | None
    division: str
    services: list[ServiceLink]


@dataclass
class SchoolBlock:
    school_id: int
    name: str
    address_lines: list[str]
    phone: str
    welcome: SafeString
    contact_active: bool = False
    children: list[Child] = field(default_factory=list)


@dataclass
class FamilyHome:
    greeting: str
    schools: list[SchoolBlock]

    @property
    def children_count(self) -> int:
        return sum(len(block.children) for block in self.schools)


def _service_url(code: str, student_id: int) -> str | None:
    """The consultation page of a service for a child, once it exists (issue #12).

    Convention: the URL named `portal:service-<code>` (e.g. `portal:service-absences`) taking the
    student's id. Until it is declared, the home page says "bientôt disponible" (no dead link).
    """
    try:
        return reverse(f"portal:service-{code}", args=[student_id])
    except NoReverseMatch:
        return None


def code_opens(*, code: Code, student: Student) -> bool:
    """Whether an attached code shows its child: a student's own code (CAE) opens nothing once his
    access was refused (D3 "Enlever l'accès"); a guardian's code (CAR) is checked upstream."""
    return not (code.kind == Code.Kind.CAE and student.access_refused)


def family_home(*, account: Account) -> FamilyHome:
    code_ids = list(Attachment.objects.filter(account=account).values_list("code_id", flat=True))
    codes = list(Code.objects.filter(id__in=code_ids).order_by("id"))
    students = {
        s.id: s for s in Student.objects.filter(id__in={c.student_id for c in codes}).select_related("division")
    }
    schools = {s.id: s for s in School.objects.filter(id__in={c.school_id for c in codes})}
    blocks: dict[int, SchoolBlock] = {}
    seen: set[int] = set()
    for code in codes:
        student = students.get(code.student_id)
        school = schools.get(code.school_id)
        if student is None or school is None or student.id in seen:
            continue
        if not code_opens(code=code, student=student):
            continue
        seen.add(student.id)
        block = blocks.get(school.id)
        if block is None:
            block = blocks[school.id] = _school_block(school)
        block.children.append(
            Child(
                student_id=student.id,
                first_name=student.first_name,
                last_name=student.last_name,
                birth_date=student.birth_date,
                division=student.division.label or student.division.code if student.division else "",
                # The catalogue's order (as the school's home page lists them), whatever the copy's.
                services=[
                    ServiceLink(code=s, label=label, url=_service_url(s, student.id))
                    for s, label in SERVICE_LABELS.items()
                    if s in school.services
                ],
            )
        )
    ordered = sorted(blocks.values(), key=lambda b: b.name)
    for block in ordered:
        block.children.sort(key=lambda c: (c.last_name, c.first_name))
    return FamilyHome(greeting=_greeting(account=account, codes=codes, students=students), schools=ordered)


def _school_block(school: School) -> SchoolBlock:
    lines = [line for line in (school.address_line1, school.address_line2) if line]
    city = " ".join(part for part in (school.postcode, school.city) if part)
    if city:
        lines.append(city)
    return SchoolBlock(
        school_id=school.id,
        name=school.name,
        address_lines=lines,
        phone=school.phone,
        welcome=welcome_html(school.welcome_html),
        contact_active=school.contact_active and bool(school.contact_email),
    )


_CIVILITY = {"M": "M.", "MR": "M.", "M.": "M.", "MME": "Mme", "MLLE": "Mme"}


def _greeting(*, account: Account, codes: list[Code], students: dict[int, Student]) -> str:
    """ "Bonjour Mme DURAND" for a guardian, "Bonjour Léa" for a student; the login otherwise."""
    if account.kind == Account.Kind.STUDENT:
        for code in codes:
            if code.student_id in students:
                return f"Bonjour {students[code.student_id].first_name}"
        return f"Bonjour {account.login}"
    link_ids = [c.link_id for c in codes if c.link_id]
    link = Link.objects.filter(id__in=link_ids).order_by("id").first()
    guardian = Guardian.objects.filter(id=link.guardian_id).first() if link else None
    if guardian is None:
        return f"Bonjour {account.login}"
    civility = _CIVILITY.get(guardian.civility.strip().upper(), "")
    name = " ".join(
        part for part in (civility, guardian.first_name if not civility else "", guardian.last_name) if part
    )
    return f"Bonjour {name}"

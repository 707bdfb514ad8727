"""What a notification says, whatever carries it (PDF letter or e-mail): SPEC C3, C4, C7, D2.

Plain frozen dataclasses built from a few queries, whatever the number of letters: the
letter templates, the e-mail builder and the screens read them and never reach into the
tables themselves. They hold code values in clear, so they live in memory only: tasks carry
ids and call these functions again.

- `guardian_letters`: one letter per guardian, listing every selected child of his that
  holds a valid CAR (one table, several children);
- `student_letters`: one letter per student holding a valid CAE;
- `codes_usable_from`: the date printed as "usable from" (the codes reach the families'
  portal with the nightly replication).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F
from django.utils import timezone

from codes import sealing, values
from codes.models import CodeKind
from codes.selectors import valid_code_annotations
from services.models import LetterType
from services.selectors import letter_settings, letter_signatory, open_services
from siecle.models import LEGAL_RANKS, Civility, GuardianLink, School, Student

REPLICATION_TZ = zoneinfo.ZoneInfo("Europe/Paris")
ACTIVATION_PATH = "activation/"
# Characters that never belong to one plain address: header breaks, lists, display names.
_NOT_IN_ONE_ADDRESS = re.compile(r"[\s,;<>\"'()\\]")


@dataclass(frozen=True)
class ChildLine:
    """One row of a letter's table: a child, his class and the code that gives access to him."""

    student_id: int
    last_name: str
    first_name: str
    division: str
    code_id: int
    code: str  # printed form, 4-3-3-3
    qr_url: str  # the portal's activation page with the code in the URL fragment


@dataclass(frozen=True)
class SchoolHeader:
    academy_name: str
    name: str
    address_lines: list[str]
    postcode: str
    city: str
    phone: str
    fax: str
    email: str
    head_name: str  # the signatory set on B4; "" when none: the letter signs "Le chef d'établissement" alone


@dataclass(frozen=True)
class Access:
    """Where families go (B4) and what they find there."""

    letter_type: str
    letter_type_label: str
    teleservices_url: str
    ent_name: str  # "" when the letter type names no ENT
    ent_url: str
    open_services: list[str]  # French labels; empty: the letter says no service is open yet
    usable_from: datetime.date

    @property
    def show_teleservices_url(self) -> bool:
        """Téléservices type only: in Mixte families enter through the ENT, whose address alone is printed."""
        return self.letter_type == LetterType.TELESERVICES

    @property
    def show_ent_url(self) -> bool:
        return bool(self.ent_url)


@dataclass(frozen=True)
class GuardianLetter:
    guardian_id: int
    addressee: str  # "Madame Marie DUPONT"
    postal_lines: list[str]  # empty when the guardian has no usable postal address
    email: str  # one checked address, or ""
    children: list[ChildLine]
    continuity: bool  # C7: a new code will be attached to the account he already has
    school: SchoolHeader
    access: Access

    @property
    def code_ids(self) -> list[int]:
        return [c.code_id for c in self.children]


@dataclass(frozen=True)
class StudentLetter:
    student_id: int
    addressee: str
    division: str
    birth_date: datetime.date | None
    child: ChildLine
    school: SchoolHeader
    access: Access
    continuity: bool = False  # the student keeps the account he had in his previous school

    @property
    def code_ids(self) -> list[int]:
        return [self.child.code_id]


def codes_usable_from(*, created_at: datetime.datetime) -> datetime.date:
    """The first day a code created at `created_at` works on the families' portal.

    New codes reach the portal with the nightly replication, which runs every day at
    `settings.REPLICATION_HOUR` o'clock, Paris time. The code works from the date (Paris time)
    of the first run strictly after its creation: a code created on day J after that hour is
    copied in the night and works from J+1; one created on J before that hour works from J.
    Never a date before today (a letter printed late says "from today").
    """
    local = timezone.localtime(created_at, REPLICATION_TZ)
    run = local.replace(hour=settings.REPLICATION_HOUR, minute=0, second=0, microsecond=0)
    day = local.date() if local < run else local.date() + datetime.timedelta(days=1)
    return max(day, timezone.localdate(timezone=REPLICATION_TZ))


def checked_email(address: str) -> str:
    """The address when it is exactly one well-formed address, else "" (nothing a header could abuse)."""
    address = (address or "").strip()
    if not address or _NOT_IN_ONE_ADDRESS.search(address) or address.count("@") != 1:
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


def activation_url(*, teleservices_url: str, value: str) -> str:
    """The portal's activation page with the raw code in the fragment: browsers never send it to a server."""
    base = teleservices_url if teleservices_url.endswith("/") else f"{teleservices_url}/"
    return f"{base}{ACTIVATION_PATH}#code={values.normalize(value)}"


def school_header(*, school: School) -> SchoolHeader:
    lines = [line for line in (school.address_line1, school.address_line2) if line]
    return SchoolHeader(
        academy_name=school.academy.name,
        name=school.name,
        address_lines=lines,
        postcode=school.postcode,
        city=school.city,
        phone=school.phone,
        fax=school.fax,
        email=school.emails[0] if school.emails else "",
        head_name=letter_signatory(school=school),
    )


def _access(*, school: School) -> Access:
    """The school's letter settings; `usable_from` is set per letter."""
    letter = letter_settings(school=school)
    return Access(
        letter_type=letter.letter_type,
        letter_type_label=letter.label,
        teleservices_url=letter.teleservices_url,
        ent_name=letter.ent.description if letter.ent else "",
        ent_url=letter.ent_url,
        open_services=[s.label for s in open_services(school=school)],
        usable_from=timezone.localdate(),
    )


def _civility_label(civility: str) -> str:
    return Civility(civility).label if civility in Civility.values else ""


def _addressee(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def _ids(ids: Iterable[int]) -> list[int]:
    return sorted({int(i) for i in ids})


def guardian_letters(*, school: School, link_ids: Iterable[int]) -> list[GuardianLetter]:
    """One letter per guardian of the selected pairs that hold a valid CAR, sorted by name.

    Pairs of another school, of another rank than legal 1 and 2, or without a valid CAR are
    left out. A constant number of queries, whatever the number of pairs.
    """
    ids = _ids(link_ids)
    if not ids:
        return []
    header = school_header(school=school)
    access = _access(school=school)
    pairs = (
        GuardianLink.objects.filter(
            pk__in=ids, student__school=school, guardian__school=school, legal_rank__in=LEGAL_RANKS
        )
        .annotate(**valid_code_annotations(kind=CodeKind.CAR, owner="link"))
        .filter(code_id__isnull=False)
        .select_related("student__division", "guardian")
        .annotate(code_created_at=_valid_code_created_at())
        .order_by("student__last_name", "student__first_name", "student_id")
    )
    by_guardian: dict[int, list] = defaultdict(list)
    guardians = {}
    for pair in pairs:
        by_guardian[pair.guardian_id].append(pair)
        guardians[pair.guardian_id] = pair.guardian
    ordered = sorted(guardians.values(), key=lambda g: (g.last_name.upper(), g.first_name.upper(), g.pk))
    letters = []
    for guardian in ordered:
        rows = by_guardian[guardian.pk]
        children = [_child_line(pair.student, pair.code_id, pair.code_sealed, access) for pair in rows]
        usable = codes_usable_from(created_at=max(pair.code_created_at for pair in rows))
        letters.append(
            GuardianLetter(
                guardian_id=guardian.pk,
                addressee=_addressee(_civility_label(guardian.civility), guardian.first_name, guardian.last_name),
                postal_lines=guardian.address_lines if guardian.has_postal_address else [],
                email=checked_email(guardian.email),
                children=children,
                continuity=any(pair.continuity_at is not None for pair in rows),
                school=header,
                access=replace(access, usable_from=usable),
            )
        )
    return letters


def student_letters(*, school: School, student_ids: Iterable[int]) -> list[StudentLetter]:
    """One letter per selected student of the school holding a valid CAE, sorted by name."""
    ids = _ids(student_ids)
    if not ids:
        return []
    header = school_header(school=school)
    access = _access(school=school)
    students = (
        Student.objects.filter(pk__in=ids, school=school)
        .annotate(**valid_code_annotations(kind=CodeKind.CAE, owner="student"))
        .filter(code_id__isnull=False)
        .select_related("division")
        .annotate(code_created_at=_valid_code_created_at())
        .order_by("last_name", "first_name", "pk")
    )
    return [
        StudentLetter(
            student_id=student.pk,
            addressee=_addressee(student.first_name, student.last_name),
            division=student.division.code if student.division else "",
            birth_date=student.birth_date,
            child=_child_line(student, student.code_id, student.code_sealed, access),
            school=header,
            access=replace(access, usable_from=codes_usable_from(created_at=student.code_created_at)),
            continuity=student.continuity_at is not None,
        )
        for student in students
    ]


def _valid_code_created_at() -> F:
    return F("valid_code__created_at")


def _child_line(student: Student, code_id: int, sealed: str, access: Access) -> ChildLine:
    value = sealing.unseal(sealed)  # decrypted here only: the letter or e-mail prints it
    return ChildLine(
        student_id=student.pk,
        last_name=student.last_name,
        first_name=student.first_name,
        division=student.division.code if student.division else "",
        code_id=code_id,
        code=values.display(value),
        qr_url=activation_url(teleservices_url=access.teleservices_url, value=value),
    )

"""A lived school year for a demo school, replayed through the product's own services.

A school head who opened the téléservices a year ago has, by November: codes for most
guardian pairs (a mass creation last September, another this September), letters and
e-mails sent in both Septembers, a few returned refusal slips, families who created their
account on the portal (brought back by the nightly replication), guardians whose account
from another school of the academy kept working (continuity of access), and a few students
who were handed their CAE and used it.

Every write goes through the service a screen or the replication would call (mass
creation, notification record, refusals, usage and continuity records), each taking the
whole school's ids at once: a constant number of statements per school, whatever its size.
The families' accounts are written in the téléservices database by the portal's bulk service
(`portal.services_account.accounts_import_bulk`), with the attachments of their codes, as the
portal would have written them. Dates are never later than now.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db import transaction
from django.utils import timezone

from car.services import car_create_bulk, car_refusals_record
from codes.models import ActivationCode, CodeKind, NotificationMode
from codes.services import (
    ContinuityClaim,
    UsageClaim,
    codes_continuity_record,
    codes_notification_record,
    codes_usage_record,
)
from portal.services_account import AccountKind, AccountSeed, AccountState, AttachmentOrigin, accounts_import_bulk
from siecle.models import LEGAL_RANKS, GuardianLink, School, search_key

# Shares of the guardians (persons) of a school, drawn once per guardian so siblings share a fate.
LAST_YEAR_COHORT = 0.42  # codes created and sent last September
THIS_YEAR_COHORT = 0.38  # codes created and sent this September; the rest has no code yet
NOTIFIED = {"last": 0.93, "this": 0.8}
ACCOUNT = {"last": 0.72, "this": 0.5}  # among the notified guardians
REFUSAL = 0.025  # a returned refusal slip, among the notified guardians
CONTINUITY = 0.3  # guardians of a newcomer who already had an account elsewhere in the academy
EMAIL_CHOSEN = 0.85  # guardians with an e-mail address who were sent an e-mail rather than a letter
VALIDATED = 0.85  # accounts whose confirmation link was followed
CAE_NOTIFIED = 0.3  # students handed their CAE letter
CAE_USED = 0.45  # among them, students who created their account


@dataclass
class LivedYear:
    """What the year left behind in one school (or, added up, in the academy)."""

    codes: int = 0
    notified: int = 0
    refusals: int = 0
    accounts: int = 0
    continuity: int = 0
    student_accounts: int = 0

    def __add__(self, other: LivedYear) -> LivedYear:
        return LivedYear(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


@dataclass
class _Guardian:
    pk: int
    first_name: str
    last_name: str
    email: str
    has_address: bool
    cohort: str = ""  # "last", "this" or "" (no code)
    links: list[tuple[int, bool]] = field(default_factory=list)  # (link id, the student arrived this year)


class _Clock:
    """Dates of the replayed year, never in the future."""

    def __init__(self, rng: random.Random, school: School, now: datetime.datetime):
        self.rng = rng
        self.now = now
        self.today = timezone.localdate(now)
        self.start, _ = school.school_year(self.today)

    def september(self, cohort: str, day: int) -> datetime.date:
        year = self.start.year - (1 if cohort == "last" else 0)
        return min(datetime.date(year, 9, day), self.today)

    def moment(self, day: datetime.date, hour: int) -> datetime.datetime:
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, self.rng.randint(0, 59))))
        return min(at, self.now)

    def later(self, after: datetime.datetime, max_days: int) -> datetime.datetime:
        """A moment of the day, 0 to max_days after `after` (and after it)."""
        day = timezone.localdate(after) + datetime.timedelta(days=self.rng.randint(0, max_days))
        at = max(
            self.moment(day, self.rng.randint(8, 21)), after + datetime.timedelta(minutes=self.rng.randint(20, 90))
        )
        return min(at, self.now)


def _login(first: str, last: str, suffix: str) -> str:
    """A login unique in the academy: the person's name and the id of his row."""
    base = search_key(f"{first}.{last}").lower().replace(" ", "-").replace("'", "")
    return f"{base[:40]}.{suffix}"


def _guardians(school: School, rng: random.Random, year_start: datetime.date) -> list[_Guardian]:
    """Legal guardians of the school's present students, each with his links, in a fixed order."""
    by_pk: dict[int, _Guardian] = {}
    rows = (
        GuardianLink.objects.filter(student__school=school, student__has_left=False, legal_rank__in=LEGAL_RANKS)
        .order_by("guardian_id", "pk")
        .values_list(
            "pk",
            "guardian_id",
            "guardian__first_name",
            "guardian__last_name",
            "guardian__email",
            "guardian__postcode",
            "student__entry_date",
        )
    )
    for link_id, guardian_id, first, last, email, postcode, entry in rows:
        guardian = by_pk.get(guardian_id)
        if guardian is None:
            guardian = by_pk[guardian_id] = _Guardian(guardian_id, first, last, email, bool(postcode))
        guardian.links.append((link_id, entry is not None and entry >= year_start))
    guardians = list(by_pk.values())
    for guardian in guardians:
        draw = rng.random()
        guardian.cohort = (
            "last" if draw < LAST_YEAR_COHORT else "this" if draw < LAST_YEAR_COHORT + THIS_YEAR_COHORT else ""
        )
    return guardians


def school_live_a_year(*, school: School, seed: int, now: datetime.datetime | None = None) -> LivedYear:
    """Give an activated school with open services a lived school year (see the module docstring).

    One transaction per database; meant for a school without codes yet (the demo generator's).
    """
    rng = random.Random(f"{seed}-{school.uaj}")
    clock = _Clock(rng, school, now or timezone.now())
    report = LivedYear()
    with transaction.atomic(), transaction.atomic(using="teleservices"):
        guardians = _guardians(school, rng, clock.start)

        # 1. Mass creations: one last September (newcomers' pairs wait for this year's), one this September.
        created_on = {
            "last": clock.moment(clock.september("last", 8), 9),
            "this": clock.moment(clock.september("this", 7), 9),
        }
        wanted: dict[str, list[int]] = {"last": [], "this": []}
        cohort_of_link: dict[int, str] = {}
        for guardian in guardians:
            for link_id, newcomer in guardian.links:
                if guardian.cohort:
                    cohort = "this" if newcomer else guardian.cohort
                    wanted[cohort].append(link_id)
                    cohort_of_link[link_id] = cohort
        for cohort in ("last", "this"):
            report.codes += car_create_bulk(
                school=school, link_ids=wanted[cohort], by=None, at=created_on[cohort]
            ).created
        code_of_link = dict(
            ActivationCode.objects.filter(school=school, kind=CodeKind.CAR, is_valid=True).values_list("link_id", "pk")
        )

        # 2. Letters and e-mails, one per guardian, on three days of each September.
        sends: dict[tuple[datetime.date, str], list[int]] = defaultdict(list)
        notified: dict[int, datetime.date] = {}  # guardian pk -> date of his letter or e-mail
        for guardian in guardians:
            if not guardian.cohort or rng.random() >= NOTIFIED[guardian.cohort]:
                continue
            if guardian.email and (rng.random() < EMAIL_CHOSEN or not guardian.has_address):
                mode = NotificationMode.EMAIL
            elif guardian.has_address:
                mode = NotificationMode.LETTER
            else:
                continue  # neither address nor e-mail: nobody can be sent anything
            for link_id, _ in guardian.links:
                cohort = cohort_of_link[link_id]
                day = clock.september(cohort, rng.choice((12, 19, 26)) if cohort == guardian.cohort else 26)
                if link_id in code_of_link:
                    sends[(day, mode)].append(code_of_link[link_id])
                    notified[guardian.pk] = max(notified.get(guardian.pk, day), day)
        for (day, mode), code_ids in sorted(sends.items()):
            report.notified += codes_notification_record(
                school=school, code_ids=code_ids, mode=mode, by=None, on=day, at=clock.moment(day, 17)
            )

        # 3. Returned refusal slips: the pair's code is invalidated, creation blocked.
        refused = {g.pk for g in guardians if g.pk in notified and rng.random() < REFUSAL}
        refused_links = [link_id for g in guardians if g.pk in refused for link_id, _ in g.links]
        report.refusals += car_refusals_record(school=school, link_ids=refused_links, by=None)

        # 4. Accounts created on the portal with a notified code, and continuity of access.
        # Written through the portal's bulk service with their attachments, so the portal shows
        # the children once the replication has copied the codes down.
        code_rows = {
            link_id: (code_id, student_id)
            for link_id, code_id, student_id in ActivationCode.objects.filter(
                school=school, kind=CodeKind.CAR, is_valid=True
            ).values_list("link_id", "pk", "student_id")
        }
        accounts: list[tuple[AccountSeed, datetime.datetime]] = []
        continuing: list[AccountSeed] = []
        for guardian in guardians:
            if guardian.pk in refused or not guardian.cohort:
                continue
            if guardian.pk in notified and rng.random() < ACCOUNT[guardian.cohort]:
                sent = clock.moment(notified[guardian.pk], 18)
                used_at = clock.later(sent, 20)
                seed = _account(rng, guardian, used_at, clock)
                seed.attachments = [
                    (*code_rows[link_id], school.pk, used_at, AttachmentOrigin.ACTIVATION)
                    for link_id, _ in guardian.links
                    if link_id in code_rows
                ]
                accounts.append((seed, used_at))
            elif any(newcomer for _, newcomer in guardian.links) and rng.random() < CONTINUITY:
                opened = clock.moment(clock.september("last", 20), 20)
                seed = _account(rng, guardian, opened, clock)
                attached_at = clock.later(created_on["this"], 0)
                seed.attachments = [
                    (*code_rows[link_id], school.pk, attached_at, AttachmentOrigin.CONTINUITY)
                    for link_id, newcomer in guardian.links
                    if newcomer and link_id in code_rows
                ]
                continuing.append(seed)
        accounts_import_bulk(seeds=[seed for seed, _ in accounts] + continuing)
        report.accounts += codes_usage_record(
            uses=[
                UsageClaim(code_id, seed.pk, used_at, school.pk, CodeKind.CAR)
                for seed, used_at in accounts
                for code_id, *_ in seed.attachments
            ]
        ).recorded
        report.continuity += codes_continuity_record(
            attachments=[
                ContinuityClaim(code_id, seed.pk, school.pk, CodeKind.CAR)
                for seed in continuing
                for code_id, *_ in seed.attachments
            ],
            on=timezone.localdate(created_on["this"]),
            at=clock.later(created_on["this"], 0),
        ).recorded

        # 5. Students handed their CAE letter today; some created their account at once.
        report.student_accounts += _students_live(school, rng, clock, report)
    return report


def _students_live(school: School, rng: random.Random, clock: _Clock, report: LivedYear) -> int:
    cae = list(
        ActivationCode.objects.filter(school=school, kind=CodeKind.CAE, is_valid=True, student__has_left=False)
        .order_by("pk")
        .values_list("pk", "student_id", "student__first_name", "student__last_name")
    )
    handed = [row for row in cae if rng.random() < CAE_NOTIFIED]
    report.notified += codes_notification_record(
        school=school, code_ids=[row[0] for row in handed], mode=NotificationMode.LETTER, by=None, on=clock.today
    )
    users = [row for row in handed if rng.random() < CAE_USED]
    seeds = accounts_import_bulk(
        seeds=[
            AccountSeed(
                login=_login(first, last, f"e{pk}"),
                email="",
                kind=AccountKind.STUDENT,
                state=AccountState.VALIDATED,
                created_at=clock.now,
                validated_at=clock.now,
                last_login=clock.now,
                attachments=[(pk, student_id, school.pk, clock.now, AttachmentOrigin.ACTIVATION)],
            )
            for pk, student_id, first, last in users
        ]
    )
    return codes_usage_record(
        uses=[UsageClaim(seed.attachments[0][0], seed.pk, clock.now, school.pk, CodeKind.CAE) for seed in seeds]
    ).recorded


def _account(rng: random.Random, guardian: _Guardian, opened: datetime.datetime, clock: _Clock) -> AccountSeed:
    """The portal account a guardian made (Provisoire until he followed the e-mailed link)."""
    validated = rng.random() < VALIDATED
    login = _login(guardian.first_name, guardian.last_name, f"r{guardian.pk}")
    return AccountSeed(
        login=login,
        email=guardian.email or f"{login}@demo-famille.example",
        kind=AccountKind.GUARDIAN,
        state=AccountState.VALIDATED if validated else AccountState.PROVISIONAL,
        created_at=opened,
        validated_at=clock.later(opened, 2) if validated else None,
        last_login=clock.later(opened, 60) if validated else None,
    )

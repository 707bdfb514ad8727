"""Facts brought back from the téléservices database are untrusted: each claim is checked."""

import datetime
import logging

import pytest

from codes import services
from codes.models import ActivationCode, CodeEvent, CodeKind, EventKind
from codes.services import ContinuityClaim, LockClaim, UsageClaim
from codes.tests.factories import make_car, make_pair

pytestmark = pytest.mark.django_db

USED = datetime.datetime(2026, 10, 2, 8, tzinfo=datetime.UTC)


def cae_of(student) -> ActivationCode:
    return ActivationCode.objects.get(kind=CodeKind.CAE, student=student, is_valid=True)


def nothing_recorded(code: ActivationCode) -> bool:
    code.refresh_from_db()
    return (
        code.used_at is None
        and code.account_id is None
        and code.continuity_at is None
        and not CodeEvent.objects.filter(code=code, event__in=[EventKind.USE, EventKind.CONTINUITY, EventKind.LOCK])
    )


def test_usage_keeps_the_first_date_and_is_idempotent(school):
    code = make_car(make_pair(school))
    first = services.codes_usage_record(uses=[UsageClaim(code.pk, 7, USED, school.pk, CodeKind.CAR)])
    later = USED + datetime.timedelta(days=3)
    again = services.codes_usage_record(uses=[UsageClaim(code.pk, 7, later, school.pk, CodeKind.CAR)])
    code.refresh_from_db()
    assert (first.recorded, again.recorded, again.already) == (1, 0, 1)
    assert code.used_at == USED and code.account_id == 7 and code.change_kind == EventKind.USE
    assert CodeEvent.objects.filter(code=code, event=EventKind.USE).count() == 1


def test_usage_of_a_code_of_another_school_is_refused_and_logged(school, other_school, caplog):
    foreign = make_car(make_pair(other_school))
    with caplog.at_level(logging.WARNING, logger="codes.services"):
        report = services.codes_usage_record(uses=[UsageClaim(foreign.pk, 7, USED, school.pk, CodeKind.CAR)])
    assert report.recorded == 0
    assert [(r.code_id, r.reason) for r in report.refused] == [(foreign.pk, services.REFUSED_SCHOOL)]
    assert f"Refused claim on code {foreign.pk} (school {school.pk}, kind R)" in caplog.text
    assert nothing_recorded(foreign)


def test_usage_claiming_the_wrong_kind_is_refused(school):
    link = make_pair(school)
    cae = cae_of(link.student)
    report = services.codes_usage_record(uses=[UsageClaim(cae.pk, 7, USED, school.pk, CodeKind.CAR)])
    assert [r.reason for r in report.refused] == [services.REFUSED_KIND]
    assert nothing_recorded(cae)


def test_usage_of_an_invalid_code_is_refused(school):
    code = make_car(make_pair(school), valid=False)
    report = services.codes_usage_record(uses=[UsageClaim(code.pk, 7, USED, school.pk, CodeKind.CAR)])
    assert [r.reason for r in report.refused] == [services.REFUSED_INVALID]
    assert nothing_recorded(code)


def test_usage_of_an_unknown_code_is_refused_and_the_good_claims_beside_it_are_recorded(school):
    code = make_car(make_pair(school))
    report = services.codes_usage_record(
        uses=[UsageClaim(10**15, 7, USED, school.pk, CodeKind.CAR), UsageClaim(code.pk, 8, USED, school.pk, "R")]
    )
    assert report.recorded == 1
    assert [(r.code_id, r.reason) for r in report.refused] == [(10**15, services.REFUSED_UNKNOWN)]
    code.refresh_from_db()
    assert code.account_id == 8


def test_continuity_is_refused_for_a_code_not_of_the_claimed_school_kind_or_validity(school, other_school):
    foreign = make_car(make_pair(other_school))
    link = make_pair(school)
    invalid = make_car(make_pair(school), valid=False)
    cae = cae_of(link.student)
    report = services.codes_continuity_record(
        attachments=[
            ContinuityClaim(foreign.pk, 5, school.pk, CodeKind.CAR),
            ContinuityClaim(cae.pk, 5, school.pk, CodeKind.CAR),
            ContinuityClaim(invalid.pk, 5, school.pk, CodeKind.CAR),
            ContinuityClaim(10**15, 5, school.pk, CodeKind.CAR),
        ]
    )
    assert report.recorded == 0
    assert [r.reason for r in report.refused] == [
        services.REFUSED_SCHOOL,
        services.REFUSED_KIND,
        services.REFUSED_INVALID,
        services.REFUSED_UNKNOWN,
    ]
    assert all(nothing_recorded(c) for c in (foreign, cae, invalid))


def test_continuity_records_date_and_history_once(school):
    code = make_car(make_pair(school))
    on = datetime.date(2026, 9, 3)
    claim = ContinuityClaim(code.pk, 5, school.pk, CodeKind.CAR)
    assert services.codes_continuity_record(attachments=[claim], on=on).recorded == 1
    again = services.codes_continuity_record(attachments=[claim], on=on)
    code.refresh_from_db()
    assert (again.recorded, again.already) == (0, 1)
    assert code.continuity_at == on and code.account_id == 5 and code.change_kind == EventKind.CONTINUITY
    assert CodeEvent.objects.filter(code=code, event=EventKind.CONTINUITY).count() == 1


def test_a_lock_writes_one_history_row_and_keeps_the_code_valid(school, other_school):
    code = make_car(make_pair(school))
    foreign = make_car(make_pair(other_school))
    claim = LockClaim(code.pk, USED, school.pk, CodeKind.CAR)
    report = services.codes_lock_record(locks=[claim, LockClaim(foreign.pk, USED, school.pk, CodeKind.CAR)])
    again = services.codes_lock_record(locks=[claim])
    assert (report.recorded, again.recorded, again.already) == (1, 0, 1)
    assert [r.reason for r in report.refused] == [services.REFUSED_SCHOOL]
    event = CodeEvent.objects.get(code=code, event=EventKind.LOCK)
    assert event.get_event_display() == "Code bloqué (dates de naissance erronées)" and event.at == USED
    code.refresh_from_db()
    assert code.is_valid and code.change_kind == EventKind.CREATION
    assert not CodeEvent.objects.filter(code=foreign, event=EventKind.LOCK).exists()

"""The lived school year of a demo school: figures a head would see, left by the real services."""

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from codes.models import AccessRefusal, ActivationCode, CodeEvent, CodeKind, EventKind, NotificationMode
from demo.generator import create_demo_academy
from demo.lived import school_live_a_year
from portal.models import Account
from services.services import service_open, teleservices_activate
from siecle.models import GuardianLink, School
from stats.figures import format_percent
from stats.selectors import guardian_code_synthesis, student_code_synthesis

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])


@pytest.fixture
def seeded(capsys) -> School:
    """The demo academy of `make run`, smaller: the first school lived a year, the last did not."""
    call_command("seed_demo", "--schools", "2", "--students", "300")
    capsys.readouterr()
    return School.objects.order_by("uaj").first()


def _legal_pairs(school):
    return GuardianLink.objects.filter(student__school=school, student__has_left=False, legal_rank__in=[1, 2])


def test_statistics_pages_show_codes_notifications_and_accounts(seeded, capsys):
    guardians = guardian_code_synthesis(school=seeded).school
    students = student_code_synthesis(school=seeded).school
    # plausible figures, not a school where everything is done or nothing is
    assert 0.3 <= guardians.accounts / guardians.guardians <= 0.6
    assert 0 < guardians.notified_this_year < guardians.notified  # letters this September and last year
    assert 0 < guardians.accounts_this_year < guardians.accounts
    assert guardians.refusals > 0
    assert 0 < students.notified < students.students and 0 < students.accounts < students.notified
    pairs = _legal_pairs(seeded)
    with_code = pairs.filter(activation_codes__is_valid=True, activation_codes__kind=CodeKind.CAR).count()
    assert 0.6 <= with_code / pairs.count() <= 0.85

    call_command("demo_user")
    password = capsys.readouterr().out.split("Mot de passe : ")[1].strip()
    client = Client()
    client.post("/connexion/", {"username": "chef.demo", "password": password})
    client.post("/etablissement/", {"school": seeded.pk})
    page = client.get("/statistiques/responsables/").content.decode()
    assert format_percent(guardians.account_rate) in page and format_percent(guardians.account_rate) != "0\xa0%"
    page = client.get("/statistiques/eleves/").content.decode()
    assert format_percent(students.account_rate) in page


def test_every_code_was_born_sent_and_used_through_the_services(seeded):
    cars = ActivationCode.objects.filter(school=seeded, kind=CodeKind.CAR)
    events = CodeEvent.objects.filter(school=seeded)
    assert cars.count() == events.filter(event=EventKind.CREATION, kind=CodeKind.CAR).count()
    notified = cars.filter(notified_at__isnull=False)
    assert {m for m in notified.values_list("notification_mode", flat=True)} == {
        NotificationMode.EMAIL,
        NotificationMode.LETTER,
    }
    assert events.filter(event=EventKind.NOTIFICATION, kind=CodeKind.CAR).count() == notified.count()
    used = ActivationCode.objects.filter(school=seeded, used_at__isnull=False)
    assert used.count() == events.filter(event=EventKind.USE).count() > 0
    # nobody created an account with a code he was never sent
    assert not used.filter(notified_at__isnull=True).exists()
    # every account id the codes carry is an account of the téléservices base
    account_ids = set(
        ActivationCode.objects.filter(school=seeded, account_id__isnull=False).values_list("account_id", flat=True)
    )
    accounts = Account.objects.filter(pk__in=account_ids)
    assert accounts.count() == len(account_ids)
    assert {a.state for a in accounts.filter(kind=Account.Kind.GUARDIAN)} == {"P", "V"}
    assert set(accounts.filter(kind=Account.Kind.STUDENT).values_list("state", flat=True)) == {"V"}


def test_refusals_invalidated_their_codes_and_continuity_kept_accounts(seeded):
    refusals = AccessRefusal.objects.filter(school=seeded, kind=CodeKind.CAR)
    assert refusals.exists()
    refused_links = list(refusals.values_list("link_id", flat=True))
    assert not ActivationCode.objects.filter(link_id__in=refused_links, is_valid=True).exists()
    invalidated = ActivationCode.objects.filter(link_id__in=refused_links, is_valid=False)
    assert invalidated.exists()
    assert (
        CodeEvent.objects.filter(
            code__in=invalidated, event=EventKind.INVALIDATION, detail="Refus d'accès aux téléservices"
        ).count()
        == invalidated.count()
    )

    continuing = ActivationCode.objects.filter(school=seeded, continuity_at__isnull=False)
    assert continuing.exists()
    assert not continuing.filter(Q(account_id__isnull=True) | Q(is_valid=False)).exists()
    assert CodeEvent.objects.filter(code__in=continuing, event=EventKind.CONTINUITY).count() == continuing.count()


def test_the_year_reads_in_order_and_never_in_the_future(seeded):
    now = timezone.now()
    start, _ = seeded.school_year()
    for code in ActivationCode.objects.filter(school=seeded, kind=CodeKind.CAR):
        assert code.created_at <= now
        if code.notified_at:
            assert timezone.localdate(code.created_at) <= code.notified_at <= timezone.localdate(now)
        if code.used_at:
            assert timezone.localdate(code.used_at) >= code.notified_at and code.used_at <= now
    assert CodeEvent.objects.filter(school=seeded, at__date__lt=start).exists()  # last year's letters
    assert not CodeEvent.objects.filter(at__gt=now).exists()


def test_a_lived_year_takes_a_bounded_number_of_statements_not_one_per_family(django_assert_max_num_queries):
    create_demo_academy(schools=1, students_per_school=400, seed=8)
    school = School.objects.get()
    teleservices_activate(school=school, by=None)
    service_open(school=school, service="notes", by=None)
    pairs = _legal_pairs(school).count()
    with django_assert_max_num_queries(150):  # per family it would be thousands
        report = school_live_a_year(school=school, seed=1)
    assert pairs > 500 and report.codes > 300 and report.accounts > 100


def test_every_account_is_attached_to_the_codes_it_used_as_the_portal_would_have_done(seeded):
    """The demo's accounts are written by portal.services_account with their attachments, so the
    portal shows each family its children once the codes are replicated, and C6/D3 find them."""
    from portal.models import Attachment
    from portal.selectors import account_block

    attached = ActivationCode.objects.filter(school=seeded, account_id__isnull=False)
    pairs = {(a.code_id, a.account_id) for a in Attachment.objects.filter(school_id=seeded.pk)}
    assert {(c.pk, c.account_id) for c in attached} == pairs
    for code in attached.filter(kind=CodeKind.CAR)[:20]:
        attachment = Attachment.objects.get(code_id=code.pk)
        assert (attachment.student_id, attachment.school_id) == (code.student_id, seeded.pk)
        assert attachment.origin == ("continuity" if code.continuity_at else "activation")
        block = account_block(code_ids=[code.pk])
        assert block.account_id == code.account_id and block.login
    accounts = Account.objects.filter(pk__in={a for _, a in pairs})
    assert not accounts.filter(created_at__gt=timezone.now()).exists()
    assert accounts.filter(created_at__lt=timezone.now() - timezone.timedelta(days=30)).exists()  # last year's

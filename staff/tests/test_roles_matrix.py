"""Every URL of the staff site, for every role: what is allowed answers, what is not is refused.

`RULES` classifies each URL pattern the resolver knows (GET and POST): a page any school user
may read, a permission of staff/roles.py, a page of the academy's staff, a step of the
sign-in. It is written from the specification (issue 14), not read from the code: the test
then asks the real views, with real data, as each role. A URL added to the site without being
classified here fails `test_every_url_of_the_site_is_classified`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from codes.tests.factories import make_car, make_pair
from conftest import MODEL_BACKEND
from imports.services import IMPORT_PREVIEW_KIND
from jobs.models import Job, JobState
from notifications.batches import JOB_KIND as LETTERS_KIND
from notifications.batches import notifications_dir
from notifications.services import RUN_KIND
from services.services import service_open, teleservices_activate
from siecle.factories import StudentFactory
from staff.models import AcademyMembership, Role, SchoolMembership

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

# What a request may need, besides reading the school's pages ("read").
READ = "read"
CODES_VIEW, CODES_WRITE, CODES_NOTIFY = "codes_view", "codes_write", "codes_notify"
ACCOUNTS_RESET, SERVICES_SETTINGS, SERVICES_OPEN, IMPORTS_RUN = (
    "accounts_reset",
    "services_settings",
    "services_open",
    "imports_run",
)
# Kinds of URL that no school role decides.
PUBLIC = "public"  # anybody, signed in or not
ACCOUNT = "account"  # any signed-in user: his account, his sign-in steps, the school picker
ACADEMY = "academy"  # the academy's IT staff only; anybody else gets 404 (the page does not exist for him)
NOT_ALLOWED = "405"  # the method is not accepted by the view, whoever asks

# The table, written out: what each role may do in a school.
EVERYTHING = {
    READ,
    CODES_VIEW,
    CODES_WRITE,
    CODES_NOTIFY,
    ACCOUNTS_RESET,
    SERVICES_SETTINGS,
    SERVICES_OPEN,
    IMPORTS_RUN,
}
ROLE_ALLOWS = {
    "chef": EVERYTHING,
    "adjoint": EVERYTHING - {SERVICES_OPEN, IMPORTS_RUN},
    "consultation": {READ},
    "academie_lecture": {READ},
    "academie_ecriture": EVERYTHING,
}
ROLES = list(ROLE_ALLOWS)
ACADEMY_ROLES = {"academie_lecture", "academie_ecriture"}


@dataclass(frozen=True)
class Rule:
    get: str
    post: str
    kwargs: str = ""  # which of the world's objects the URL names (see `_kwargs`)
    # Statuses an allowed request may answer besides 200 and 302 (a refused form, a redirect).
    also_ok: frozenset[int] = field(default_factory=frozenset)


RULES: dict[str, Rule] = {
    "favicon.ico": Rule(PUBLIC, PUBLIC, also_ok=frozenset({301})),
    "home": Rule(READ, NOT_ALLOWED),
    # staff: sign-in, account, school picker, menu pages
    "staff:login": Rule(PUBLIC, PUBLIC),
    "staff:logout": Rule(NOT_ALLOWED, ACCOUNT),
    "staff:second_factor": Rule(ACCOUNT, ACCOUNT),
    "staff:second_factor_enrol": Rule(ACCOUNT, ACCOUNT),
    "staff:password_change": Rule(ACCOUNT, ACCOUNT),
    "staff:sessions": Rule(ACCOUNT, ACCOUNT),
    "staff:sessions_close_others": Rule(NOT_ALLOWED, ACCOUNT),
    "staff:portal": Rule(ACCOUNT, ACCOUNT),
    "staff:choose_school": Rule(ACCOUNT, ACCOUNT),
    "staff:help": Rule(READ, NOT_ALLOWED),
    "staff:edition": Rule(READ, NOT_ALLOWED),
    # services (B1-B8): everybody reads the state; opening is the head's, settings the deputy's too
    "services:opening": Rule(READ, SERVICES_OPEN),
    "services:activate": Rule(SERVICES_OPEN, SERVICES_OPEN),
    "services:welcome_message": Rule(READ, SERVICES_SETTINGS),
    "services:letter": Rule(READ, SERVICES_SETTINGS),
    "services:notes": Rule(READ, SERVICES_SETTINGS),
    "services:notes_confirm": Rule(SERVICES_SETTINGS, SERVICES_SETTINGS),
    "services:absences": Rule(READ, NOT_ALLOWED),
    "services:lpc": Rule(READ, SERVICES_SETTINGS),
    "services:contact": Rule(READ, SERVICES_SETTINGS),
    # car (C2, C5, C6, C8)
    "car:mass_create": Rule(CODES_WRITE, CODES_WRITE),
    "car:manage": Rule(READ, NOT_ALLOWED),
    "car:pair": Rule(READ, NOT_ALLOWED, kwargs="link"),
    "car:pair_account_reset": Rule(ACCOUNTS_RESET, ACCOUNTS_RESET, kwargs="link"),
    "car:pair_action": Rule(NOT_ALLOWED, CODES_WRITE, kwargs="link_action"),
    "car:refusals": Rule(CODES_WRITE, CODES_WRITE),
    "car:export": Rule(READ, NOT_ALLOWED, kwargs="car_export"),
    # cae (D3)
    "cae:manage": Rule(READ, NOT_ALLOWED),
    "cae:student": Rule(READ, NOT_ALLOWED, kwargs="student"),
    "cae:student_account_reset": Rule(ACCOUNTS_RESET, ACCOUNTS_RESET, kwargs="student"),
    "cae:student_action": Rule(NOT_ALLOWED, CODES_WRITE, kwargs="student_action"),
    "cae:export": Rule(READ, NOT_ALLOWED, kwargs="cae_export"),
    # notifications (C3, D2, "Notifier code"): letters and e-mails carry codes
    "notifications:guardians": Rule(CODES_NOTIFY, CODES_NOTIFY),
    "notifications:students": Rule(CODES_NOTIFY, CODES_NOTIFY),
    "notifications:pair_notify": Rule(NOT_ALLOWED, CODES_NOTIFY, kwargs="link"),
    "notifications:student_notify": Rule(NOT_ALLOWED, CODES_NOTIFY, kwargs="student"),
    "notifications:run": Rule(CODES_NOTIFY, NOT_ALLOWED, kwargs="run"),
    "notifications:letters_pdf": Rule(CODES_NOTIFY, NOT_ALLOWED, kwargs="letters"),
    # statistics (E1, E2) and the academy's table
    "stats:students": Rule(READ, NOT_ALLOWED),
    "stats:guardians": Rule(READ, NOT_ALLOWED),
    "stats:export": Rule(READ, NOT_ALLOWED, kwargs="stats_export"),
    "stats:academy": Rule(ACADEMY, NOT_ALLOWED, kwargs="academy"),
    "stats:academy_export": Rule(ACADEMY, NOT_ALLOWED, kwargs="academy_export"),
    # the SIECLE import: the head's only. Applying a preview whose report is not ready is refused
    # by its form (400), past the role check.
    "imports:import": Rule(IMPORTS_RUN, IMPORTS_RUN),
    "imports:report": Rule(IMPORTS_RUN, NOT_ALLOWED, kwargs="preview"),
    "imports:apply": Rule(NOT_ALLOWED, IMPORTS_RUN, kwargs="preview", also_ok=frozenset({400})),
    "imports:cancel": Rule(NOT_ALLOWED, IMPORTS_RUN, kwargs="preview"),
    # jobs: the progress of any job of the school
    "jobs:status": Rule(READ, NOT_ALLOWED, kwargs="job"),
    # replication runs: the academy's IT staff
    "replication:runs": Rule(ACADEMY, NOT_ALLOWED),
    # the journal of reads: the school's for its users (no code value shown), the academy's for its staff
    "audit:school": Rule(READ, NOT_ALLOWED),
    "audit:academy_choose": Rule(ACADEMY, NOT_ALLOWED),
    "audit:academy": Rule(ACADEMY, NOT_ALLOWED, kwargs="academy"),
    "audit:academy_export": Rule(ACADEMY, NOT_ALLOWED, kwargs="academy"),
}

# The Django admin has its own permission model (is_staff and model permissions, for IT staff);
# `test_the_django_admin_is_closed_to_every_school_role` checks none of the roles enters it.
DJANGO_ADMIN_NAMESPACE = "admin"


def _site_urls() -> dict[str, URLPattern]:
    """Every URL pattern of the staff site, by qualified name (the route for an unnamed one)."""
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                inner = ":".join(filter(None, [namespace, p.namespace])) if p.namespace else namespace
                if inner == DJANGO_ADMIN_NAMESPACE:
                    continue
                walk(p.url_patterns, inner)
            elif isinstance(p, URLPattern):
                key = f"{namespace}:{p.name}" if namespace and p.name else (p.name or str(p.pattern))
                found[key] = p

    walk(get_resolver().url_patterns, None)
    return found


SITE_URLS = _site_urls()


def test_every_url_of_the_site_is_classified():
    unclassified = sorted(set(SITE_URLS) - set(RULES))
    assert unclassified == [], f"Classify these URLs in RULES (GET and POST): {unclassified}"
    assert sorted(set(RULES) - set(SITE_URLS)) == [], "RULES names URLs the site no longer has"


def test_every_school_view_declares_what_it_needs():
    """The decorator's declaration agrees with the table (read by the docs and by the reviewers)."""
    disagreements = {}
    for name, rule in RULES.items():
        declared = getattr(SITE_URLS[name].callback, "required_permissions", None)
        if declared is None:
            continue
        expected = {
            "GET": rule.get if rule.get != NOT_ALLOWED else READ,
            "POST": rule.post if rule.post != NOT_ALLOWED else None,
        }
        if {k: (str(v) if v else None) for k, v in declared.items()} != expected:
            disagreements[name] = declared
    assert disagreements == {}
    school_rules = {n for n, r in RULES.items() if {r.get, r.post} - {PUBLIC, ACCOUNT, ACADEMY, NOT_ALLOWED}}
    undeclared = sorted(n for n in school_rules if not hasattr(SITE_URLS[n].callback, "required_permissions"))
    assert undeclared == [], "these school pages do not go through staff.access.school_required"


# --- The world: one school with something behind every URL, and one user per role ---------------


@pytest.fixture
def world(school, settings, tmp_path):
    settings.NOTIFICATIONS_DIR = str(tmp_path / "notifications")
    clients = {role: role_client(role, school) for role in ROLES}
    by = clients["chef"].user
    teleservices_activate(school=school, by=by)
    service_open(school=school, service="notes", by=by)
    link = make_pair(school, last_name="DUPONT")
    make_car(link, value="1W2JFML8EABKK")
    student = StudentFactory(school=school, last_name="MARTIN")
    run = Job.objects.create(school=school, kind=RUN_KIND, params={"who": "guardians"})
    letters = Job.objects.create(school=school, kind=LETTERS_KIND, state=JobState.DONE, result={"pdf": "lettres.pdf"})
    (notifications_dir() / "lettres.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    preview = Job.objects.create(school=school, kind=IMPORT_PREVIEW_KIND, params={"name": "export.xml"})
    return {
        "school": school,
        "clients": clients,
        "link": link,
        "student": student,
        "run": run,
        "letters": letters,
        "preview": preview,
    }


def _kwargs(rule: Rule, world) -> dict:
    link, student = world["link"], world["student"]
    return {
        "": {},
        "link": {"link_id": link.pk},
        "link_action": {"link_id": link.pk, "action": "invalider"},
        "student": {"student_id": student.pk},
        "student_action": {"student_id": student.pk, "action": "nouveau"},
        "car_export": {"name": "couples"},
        "cae_export": {"name": "eleves"},
        "stats_export": {"table": "eleves"},
        "academy": {"code": world["school"].academy.code},
        "academy_export": {"code": world["school"].academy.code, "table": "eleves"},
        "run": {"job_id": world["run"].pk},
        "letters": {"job_id": world["letters"].pk},
        "preview": {"job_id": world["preview"].pk},
        "job": {"job_id": world["run"].pk},
    }[rule.kwargs]


def _url(name: str, rule: Rule, world) -> str:
    if name == "favicon.ico":
        return "/favicon.ico"
    return reverse(name, kwargs=_kwargs(rule, world))


def role_user(role: str, school):
    """A user holding `role` in `school` (or over its academy). No password: no slow hashing."""
    user = get_user_model().objects.create_user(username=role)
    if role in ACADEMY_ROLES:
        AcademyMembership.objects.create(user=user, academy=school.academy, can_write=role == "academie_ecriture")
    else:
        SchoolMembership.objects.create(user=user, school=school, role=role)
    return user


def role_client(role: str, school) -> Client:
    """A signed-in client of a new user holding `role`, working on `school`."""
    client = Client()
    client.user = role_user(role, school)
    client.force_login(client.user, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = school.pk
    session.save()
    return client


def _expected(kind: str, role: str) -> str:
    """ "ok", "403", "404" or "405" for a request needing `kind`, made by `role`."""
    if kind == NOT_ALLOWED:
        return "405"
    if kind in (PUBLIC, ACCOUNT):
        return "ok"
    if kind == ACADEMY:
        return "ok" if role in ACADEMY_ROLES else "404"
    return "ok" if kind in ROLE_ALLOWS[role] else "403"


def _outcome(response, rule: Rule) -> str:
    status = response.status_code
    if status in (200, 302) or status in rule.also_ok:
        return "ok"
    if status == 403:
        # The refusal is the role's French page, not a CSRF failure or another 403.
        assert "ne permet pas cette action" in response.content.decode(), response.content.decode()[:500]
    return str(status)


def _ask(client: Client, method: str, url: str):
    """One request whose writes are undone: each role meets the same world."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_role_gets_exactly_what_the_table_allows(world, name):
    """GET and POST of the URL, as each role: 200/302 when the table allows it, else 403 (or 404, 405)."""
    rule = RULES[name]
    url = _url(name, rule, world)
    expected, got = {}, {}
    for role in ROLES:
        for method, kind in (("GET", rule.get), ("POST", rule.post)):
            expected[role, method] = _expected(kind, role)
            got[role, method] = _outcome(_ask(world["clients"][role], method, url), rule)
    wrong = {key: f"expected {expected[key]}, got {got[key]}" for key in expected if got[key] != expected[key]}
    assert wrong == {}, url


@pytest.mark.parametrize("role", ROLES)
def test_the_django_admin_is_closed_to_every_school_role(world, role):
    response = world["clients"][role].get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("name", sorted(n for n, r in RULES.items() if r.get not in (PUBLIC,)))
def test_nothing_but_the_public_pages_opens_without_signing_in(world, name):
    rule = RULES[name]
    response = Client().get(_url(name, rule, world))
    if rule.get == NOT_ALLOWED:
        # POST-only URLs: the method is refused before anything is read.
        assert response.status_code in (302, 405)
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_a_second_school_keeps_its_own_role(world, other_school):
    """A user who is head of one school and reader of another has each role in its own school."""
    user = world["clients"]["chef"].user
    SchoolMembership.objects.create(user=user, school=other_school, role=Role.CONSULTATION)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    client.post(reverse("staff:choose_school"), {"school": world["school"].pk})
    assert client.get(reverse("car:mass_create")).status_code == 200
    client.post(reverse("staff:choose_school"), {"school": other_school.pk})
    assert client.get(reverse("car:mass_create")).status_code == 403

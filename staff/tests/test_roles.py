"""Roles seen from the users' side: what each role sees, and that a refused action changes nothing.

The exhaustive check of every URL for every role is `test_roles_matrix.py`; here, the stories:
an adjoint cannot open a service, a reader sees masked codes and no button, the academy's
read-only staff cannot change anything, the menu offers only what the role can use.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from car.services import car_regenerate
from codes.models import ActivationCode, CodeKind
from codes.tests.factories import make_pair, page_text
from conftest import MODEL_BACKEND
from services.selectors import service_is_open, teleservices_activated, welcome_message_source
from services.services import service_open, teleservices_activate
from siecle.factories import StudentFactory
from staff.models import AcademyMembership, Role, SchoolMembership
from staff.roles import Permission, permissions_of

pytestmark = pytest.mark.django_db(databases=["default", "teleservices"])

MASK = "••••••••"
OPENING = reverse("services:opening")
ALL_CLOSED = {"absences": "closed", "lpc": "closed", "notes": "closed", "b2i": "closed"}


def client_as(school, role: str = "", *, academy_can_write: bool | None = None, username: str = "") -> Client:
    """A signed-in user with `role` in `school`, or (academy_can_write given) staff of its academy."""
    user = get_user_model().objects.create_user(username=username or role or f"academie-{academy_can_write}")
    if academy_can_write is None:
        SchoolMembership.objects.create(user=user, school=school, role=role)
    else:
        AcademyMembership.objects.create(user=user, academy=school.academy, can_write=academy_can_write)
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    session = client.session
    session["current_school_id"] = school.pk
    session.save()
    client.user = user
    return client


@pytest.fixture
def opened(school, head):
    teleservices_activate(school=school, by=head)
    service_open(school=school, service="notes", by=head)
    return school


@pytest.fixture
def pair(opened, head):
    """A pair whose valid code was made by the head ("Nouveau code"): the code and its history row."""
    link = make_pair(opened, last_name="DUPONT")
    car_regenerate(link=link, by=head)
    return link


def _valid_car(link) -> ActivationCode | None:
    return ActivationCode.objects.filter(link=link, kind=CodeKind.CAR, is_valid=True).first()


def _forms_of(code: ActivationCode) -> tuple[str, ...]:
    """Every way a page could show the code: as printed (`1W2J - FML - 8EA - BKK`), bare, its start."""
    shown = code.display
    bare = shown.replace(" - ", "")
    return shown, bare, bare[:4]


def text_of(response) -> str:
    """The page's text as a user reads it: tags removed, spaces collapsed."""
    import re

    return " ".join(re.sub(r"<[^>]+>", "", page_text(response)).split())


# --- The table -----------------------------------------------------------------------------------


def test_the_roles_grant_what_the_issue_says():
    everything = set(Permission)
    assert permissions_of(role=Role.CHEF, academy_can_write=None) == everything
    assert permissions_of(role=Role.ADJOINT, academy_can_write=None) == everything - {
        Permission.SERVICES_OPEN,
        Permission.IMPORTS_RUN,
    }
    assert permissions_of(role=Role.CONSULTATION, academy_can_write=None) == {Permission.READ}
    assert permissions_of(role=None, academy_can_write=False) == {Permission.READ}
    assert permissions_of(role=None, academy_can_write=True) == everything
    # A reader of the school who is also the academy's granted staff has the grant.
    assert permissions_of(role=Role.CONSULTATION, academy_can_write=True) == everything
    assert permissions_of(role=None, academy_can_write=None) == set()


def test_a_template_asking_an_unknown_permission_fails_loudly(school):
    from django.template import Context, Template

    from staff.roles import Can, UnknownPermission

    with pytest.raises(UnknownPermission):
        Template("{% if can.codes_wirte %}x{% endif %}").render(Context({"can": Can(frozenset(Permission))}))


# --- Adjoint -------------------------------------------------------------------------------------


def test_an_adjoint_cannot_open_a_service(opened):
    adjoint = client_as(opened, Role.ADJOINT)
    response = adjoint.post(OPENING, {**ALL_CLOSED, "lpc": "open"})
    assert response.status_code == 403
    body = text_of(response)
    assert (
        "Votre rôle dans cet établissement (adjoint) ne permet pas cette action : "
        "activer les téléservices, ouvrir ou fermer un service. Rien n'a été modifié." in body
    )
    assert not service_is_open(school=opened, service="lpc")
    assert service_is_open(school=opened, service="notes")


def test_an_adjoint_sees_the_opening_screen_read_only(opened):
    response = client_as(opened, Role.ADJOINT).get(OPENING)
    body = page_text(response)
    assert "seul le chef d'établissement peut activer les téléservices, ouvrir ou fermer un service" in body
    # The states as a table, no form to send.
    assert "Consultation des notes Ouvert" in text_of(response) and 'type="radio"' not in body
    assert "Valider</button>" not in body


def test_an_adjoint_cannot_activate_teleservices_and_is_told_who_can(school):
    adjoint = client_as(school, Role.ADJOINT)
    home = page_text(adjoint.get(reverse("home")))
    assert "Téléservices non activés" in home
    assert "Activer les téléservices</button>" not in home
    assert "Seul le chef d'établissement peut activer les téléservices." in home
    assert adjoint.post(reverse("services:activate")).status_code == 403
    assert not teleservices_activated(school=school)


def test_an_adjoint_sets_the_welcome_message(opened):
    response = client_as(opened, Role.ADJOINT).post(reverse("services:welcome_message"), {"message": "Bienvenue !"})
    assert response.status_code == 302
    assert welcome_message_source(school=opened) == "Bienvenue !"


def test_an_adjoint_manages_codes_and_sees_their_values(pair):
    adjoint = client_as(pair.student.school, Role.ADJOINT)
    before = _valid_car(pair)
    body = page_text(adjoint.get(reverse("car:pair", args=[pair.pk])))
    assert before.display in body and "Nouveau code</button>" in body and "Notifier le code</button>" in body
    adjoint.post(reverse("car:pair_action", args=[pair.pk, "nouveau"]))
    assert _valid_car(pair).pk != before.pk


def test_an_adjoint_cannot_import_and_is_not_offered_the_import(opened):
    adjoint = client_as(opened, Role.ADJOINT)
    home = page_text(adjoint.get(reverse("home")))
    assert reverse("imports:import") not in home
    assert reverse("car:mass_create") in home and reverse("notifications:guardians") in home
    assert adjoint.get(reverse("imports:import")).status_code == 403


# --- Consultation --------------------------------------------------------------------------------


def test_a_reader_sees_the_pair_screen_with_masked_codes_and_no_button(pair):
    reader = client_as(pair.student.school, Role.CONSULTATION)
    response = reader.get(reverse("car:pair", args=[pair.pk]))
    body = page_text(response)
    assert response.status_code == 200
    assert not [form for form in _forms_of(_valid_car(pair)) if form in body]
    assert body.count(MASK) == 2  # the codes' table and the history of operations ("Création")
    assert "Consultation seule" in body and "leurs valeurs sont masquées" in body
    for button in ("Nouveau code", "Invalider le code", "Notifier le code", "Enlever l'accès"):
        assert button not in body
    assert "DUPONT" in body  # the rest of the screen is there


def test_the_head_sees_the_code_the_reader_does_not(pair, head_client):
    body = page_text(head_client.get(reverse("car:pair", args=[pair.pk])))
    assert body.count(_valid_car(pair).display) == 2 and MASK not in body and "Consultation seule" not in body


def test_a_reader_sees_the_students_code_masked(opened):
    student = StudentFactory(school=opened, last_name="MARTIN")
    cae = ActivationCode.objects.get(student=student, kind=CodeKind.CAE, is_valid=True)
    body = page_text(client_as(opened, Role.CONSULTATION).get(reverse("cae:student", args=[student.pk])))
    assert not [form for form in _forms_of(cae) if form in body]
    assert MASK in body and "Nouveau code" not in body and "Notifier le code" not in body


def test_a_reader_cannot_invalidate_a_code(pair):
    reader = client_as(pair.student.school, Role.CONSULTATION)
    before = _valid_car(pair)
    response = reader.post(reverse("car:pair_action", args=[pair.pk, "invalider"]))
    assert response.status_code == 403
    assert "(consultation) ne permet pas cette action : créer, invalider des codes" in text_of(response)
    assert _valid_car(pair) == before


def test_a_reader_cannot_send_or_print_a_code(pair):
    reader = client_as(pair.student.school, Role.CONSULTATION)
    assert reader.post(reverse("notifications:pair_notify", args=[pair.pk]), {"mode": "letter"}).status_code == 403
    assert reader.get(reverse("notifications:guardians")).status_code == 403
    assert _valid_car(pair).notified_at is None


def test_a_readers_exports_carry_no_code_value(pair):
    reader = client_as(pair.student.school, Role.CONSULTATION)
    student = StudentFactory(school=pair.student.school, last_name="MARTIN")
    cae = ActivationCode.objects.get(student=student, kind=CodeKind.CAE, is_valid=True)
    forms = (*_forms_of(_valid_car(pair))[:2], *_forms_of(cae)[:2])
    for url, listed in (
        (reverse("car:export", args=["couples"]), "DUPONT"),
        (reverse("car:export", args=["creation"]), "Élève"),
        (reverse("cae:export", args=["eleves"]), "MARTIN"),
    ):
        response = reader.get(url)
        assert response.status_code == 200
        content = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        assert listed in content
        assert not [form for form in forms if form in content]


def test_a_readers_menu_offers_only_lists_and_statistics(opened):
    response = client_as(opened, Role.CONSULTATION).get(reverse("home"))
    body = page_text(response)
    assert "Votre rôle dans l'établissement : consultation." in text_of(response)
    for hidden in ("car:mass_create", "car:refusals", "notifications:guardians", "notifications:students"):
        assert f'href="{reverse(hidden)}"' not in body, hidden
    assert f'href="{reverse("imports:import")}"' not in body
    for shown in ("car:manage", "cae:manage", "stats:students", "stats:guardians", "services:opening"):
        assert f'href="{reverse(shown)}"' in body, shown


def test_a_reader_sees_the_settings_disabled_and_cannot_change_them(opened):
    reader = client_as(opened, Role.CONSULTATION)
    body = page_text(reader.get(reverse("services:lpc")))
    assert "votre rôle ne permet pas de modifier ce paramétrage" in body and "<fieldset disabled>" in body
    assert reader.post(reverse("services:lpc"), {"days": "30"}).status_code == 403
    assert reader.post(reverse("services:welcome_message"), {"message": "Piraté"}).status_code == 403
    assert welcome_message_source(school=opened) != "Piraté"


def test_a_reader_reads_the_statistics(opened):
    reader = client_as(opened, Role.CONSULTATION)
    assert reader.get(reverse("stats:students")).status_code == 200
    assert reader.get(reverse("stats:export", args=["responsables"])).status_code == 200


# --- Academy staff -------------------------------------------------------------------------------


def test_academy_read_only_staff_cannot_mutate(pair):
    school = pair.student.school
    before = _valid_car(pair)
    staff = client_as(school, academy_can_write=False)
    assert staff.get(reverse("car:pair", args=[pair.pk])).status_code == 200
    assert staff.post(reverse("car:pair_action", args=[pair.pk, "invalider"])).status_code == 403
    assert staff.post(OPENING, ALL_CLOSED).status_code == 403
    assert staff.post(reverse("services:welcome_message"), {"message": "Académie"}).status_code == 403
    assert _valid_car(pair) == before
    assert service_is_open(school=school, service="notes")
    body = page_text(staff.get(reverse("car:pair", args=[pair.pk])))
    assert before.display not in body and MASK in body
    assert "personnel académique (consultation)" in text_of(staff.get(reverse("home")))


def test_academy_staff_granted_writing_act_like_a_head(pair):
    staff = client_as(pair.student.school, academy_can_write=True)
    assert _valid_car(pair).display in page_text(staff.get(reverse("car:pair", args=[pair.pk])))
    assert staff.post(reverse("car:pair_action", args=[pair.pk, "invalider"])).status_code == 302
    assert _valid_car(pair) is None


def test_academy_staff_see_only_their_academys_schools(pair):
    from siecle.factories import AcademyFactory, SchoolFactory

    elsewhere = SchoolFactory(name="Lycée d'une autre académie", academy=AcademyFactory(code="AUTRE"))
    staff = client_as(elsewhere, academy_can_write=True)
    session = staff.session
    session["current_school_id"] = pair.student.school.pk  # a forged session school
    session.save()
    assert staff.get(reverse("car:pair", args=[pair.pk])).status_code == 404


# --- Where roles are given ----------------------------------------------------------------------


def test_the_django_admin_shows_and_changes_a_role(school, head):
    membership = SchoolMembership.objects.get(user=head, school=school)
    assert membership.role == Role.CHEF
    admin = get_user_model().objects.create_user(username="it", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin, backend=MODEL_BACKEND)
    listing = page_text(client.get(reverse("admin:staff_schoolmembership_changelist")))
    assert "chef d'établissement" in listing
    url = reverse("admin:staff_schoolmembership_change", args=[membership.pk])
    form = page_text(client.get(url))
    assert 'name="role"' in form and "consultation" in form
    response = client.post(
        url, {"user": head.pk, "school": school.pk, "role": Role.ADJOINT, "source": membership.source}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.ADJOINT


def test_the_django_admin_grants_writing_to_academy_staff(school):
    staff_user = get_user_model().objects.create_user(username="dsi")
    membership = AcademyMembership.objects.create(user=staff_user, academy=school.academy)
    assert membership.can_write is False
    admin = get_user_model().objects.create_user(username="it", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin, backend=MODEL_BACKEND)
    url = reverse("admin:staff_academymembership_change", args=[membership.pk])
    response = client.post(url, {"user": staff_user.pk, "academy": school.academy.pk, "can_write": "on"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.can_write is True


def test_create_school_user_gives_a_role_and_changes_it(school, capsys):
    call_command("create_school_user", "lecteur", "--uaj", school.uaj, "--role", "consultation")
    membership = SchoolMembership.objects.get(user__username="lecteur", school=school)
    assert membership.role == Role.CONSULTATION
    assert "rôle : consultation" in capsys.readouterr().out
    call_command("create_school_user", "lecteur", "--uaj", school.uaj, "--role", "adjoint", "--update")
    membership.refresh_from_db()
    assert membership.role == Role.ADJOINT
    call_command("create_school_user", "nouveau.chef", "--uaj", school.uaj)
    assert SchoolMembership.objects.get(user__username="nouveau.chef").role == Role.CHEF


def test_create_school_user_grants_academy_writing_only_when_asked(school):
    call_command("create_school_user", "dsi", "--academy", school.academy.code)
    membership = AcademyMembership.objects.get(user__username="dsi")
    assert membership.can_write is False
    call_command("create_school_user", "dsi", "--academy", school.academy.code, "--academy-write", "--update")
    membership.refresh_from_db()
    assert membership.can_write is True


def test_create_school_user_refuses_a_role_without_a_school(school):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--role demande au moins un établissement") as refused:
        call_command("create_school_user", "sans.ecole", "--academy", school.academy.code, "--role", "adjoint")
    assert refused.value.returncode == 2
    assert not get_user_model().objects.filter(username="sans.ecole").exists()


def test_a_directory_head_is_given_the_chef_role_and_keeps_a_role_it_changed(school):
    from staff.directory import directory_memberships_refresh

    user = get_user_model().objects.create_user(username="annuaire")
    attrs = {"FrEduFonctAdm": ["DIR"], "FrEduRne": [f"{school.uaj}$UAJ$PU$N$T3$CLG$340"]}
    assert directory_memberships_refresh(user=user, attrs=attrs)
    membership = SchoolMembership.objects.get(user=user, school=school)
    assert membership.role == Role.CHEF and membership.source == SchoolMembership.Source.DIRECTORY
    membership.role = Role.ADJOINT
    membership.save()
    directory_memberships_refresh(user=user, attrs=attrs)
    membership.refresh_from_db()
    assert membership.role == Role.ADJOINT


def test_a_membership_nobody_gave_a_role_is_read_only(school):
    user = get_user_model().objects.create_user(username="oubli")
    assert SchoolMembership.objects.create(user=user, school=school).role == Role.CONSULTATION

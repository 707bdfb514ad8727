"""The menu and breadcrumb registry: every page finds its place, rendered once by base.html."""

import re

import pytest
from django.urls import reverse

from staff.navigation import MAIN_MENU, SECONDARY_MENU, navigation_for, url_of
from staff.tests.test_tenancy import MENU_URLS


def trail(url_name):
    return [(c.label, c.url) for c in navigation_for(url_name).trail]


def test_a_menu_page_is_under_its_section_and_only_earlier_steps_are_links():
    assert trail("car:mass_create") == [
        ("Accueil", reverse("home")),
        ("Accès des Responsables", ""),
        ("Créer les codes en masse", ""),
    ]
    assert navigation_for("car:mass_create").current == "car:mass_create"


def test_a_page_below_an_entry_adds_its_step_and_links_back_to_the_entry():
    assert trail("car:pair") == [
        ("Accueil", reverse("home")),
        ("Accès des Responsables", ""),
        ("Gérer le code pour un (responsable, élève)", reverse("car:manage")),
        ("Codes du couple", ""),
    ]
    assert navigation_for("car:pair").current == "car:manage"
    # The account's password reset (a page of its own) had no breadcrumb and no menu entry marked.
    assert [c.label for c in navigation_for("cae:student_account_reset").trail] == [
        "Accueil",
        "Accès des Élèves",
        "Gérer le code pour un élève",
        "Réinitialiser le mot de passe",
    ]
    assert navigation_for("car:pair_account_reset").current == "car:manage"
    assert navigation_for("services:notes_confirm").current == "services:notes"


def test_the_import_report_sits_below_the_import_page():
    nav = navigation_for("imports:import")
    assert nav.current == "imports:import"
    assert [c.label for c in nav.trail] == ["Accueil", "Gestion des téléservices", "Import SIECLE"]
    assert navigation_for("imports:report").current == "imports:import"
    assert [c.label for c in navigation_for("imports:report").trail][-2:] == [
        "Import SIECLE",
        "Compte rendu de l’import",
    ]


def test_an_unknown_page_has_no_breadcrumb():
    assert navigation_for("admin:index").trail == [] and navigation_for(None).trail == []


def test_every_page_of_the_menus_has_a_place_and_every_entry_is_routed():
    assert [name for name in MENU_URLS if not navigation_for(name).trail] == []
    entries = [(e.url_name, *e.also) for s in MAIN_MENU for e in s.entries]
    assert [names for names in entries if not url_of(*names)] == []
    assert all(url_of(s.url_name) for s in SECONDARY_MENU)


@pytest.mark.django_db
def test_the_page_marks_its_menu_entry_and_shows_its_breadcrumb(head_client):
    page = head_client.get(reverse("stats:students")).content.decode()
    assert re.search(r'<a class="dropdown-item active" href="/statistiques/eleves/" aria-current="page">', page)
    assert page.count('aria-current="page"') == 2  # the menu entry and the breadcrumb's last step
    assert re.search(r'<nav aria-label="Fil d’Ariane"', page)
    assert '<li class="breadcrumb-item active" aria-current="page">Synthèse codes élèves</li>' in page
    assert 'rel="icon"' in page


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")

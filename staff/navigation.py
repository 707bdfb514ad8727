"""The main menu and each page's breadcrumb, in one registry (SPEC G2).

The menu is a list of sections, each a list of entries naming a URL; a page's breadcrumb is
"Accueil › its section › its entry", and pages reached from an entry (a pair's codes, an
import report) add their own step after it. Everything is keyed by URL name (strings only:
`staff` imports no feature app), and `templates/base.html` renders both through
`staff/templatetags/navigation.py`, so no page template declares either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from .roles import Permission


@dataclass(frozen=True, slots=True)
class Entry:
    label: str
    url_name: str
    # Other URL names of pages that belong to this entry (confirmations, exports, old names).
    also: tuple[str, ...] = ()
    header: str = ""  # a heading printed before the entry in its dropdown
    divider_before: bool = False
    # Shown only to the academy's IT staff (users with an academy membership).
    academy_staff: bool = False
    # Shown only when the user's role in the current school has this permission (staff/roles.py).
    permission: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    label: str
    entries: tuple[Entry, ...] = ()
    url_name: str = ""  # a section without entries is a plain link


HOME = "home"

MAIN_MENU: tuple[Section, ...] = (
    Section("Accueil", url_name=HOME),
    Section(
        "Gestion des téléservices",
        (
            Entry("Ouverture / fermeture", "services:opening", also=("services:activate",)),
            Entry("Message d’accueil", "services:welcome_message", header="Paramétrage"),
            Entry("Courrier de notification", "services:letter"),
            Entry("Consultation des notes", "services:notes", also=("services:notes_confirm",)),
            Entry("Consultation des absences", "services:absences"),
            Entry("Consultation du LPC", "services:lpc"),
            Entry("Lien de contact établissement", "services:contact"),
            # The import page's namespace moves from "siecle" to "imports": both are known here.
            Entry("Import SIECLE", "imports:import", divider_before=True, permission=Permission.IMPORTS_RUN),
            # Who exported lists, downloaded letters or looked at codes (audit app).
            Entry("Journal des consultations", "audit:school"),
        ),
    ),
    Section(
        "Accès des Responsables",
        (
            Entry("Créer les codes en masse", "car:mass_create", permission=Permission.CODES_WRITE),
            Entry("Notifier en masse", "notifications:guardians", permission=Permission.CODES_NOTIFY),
            Entry("Gérer le code pour un (responsable, élève)", "car:manage"),
            Entry("Saisir les refus", "car:refusals", permission=Permission.CODES_WRITE),
        ),
    ),
    Section(
        "Accès des Élèves",
        (
            Entry("Notifier en masse", "notifications:students", permission=Permission.CODES_NOTIFY),
            Entry("Gérer le code pour un élève", "cae:manage"),
        ),
    ),
    Section(
        "Statistiques",
        (
            Entry("Synthèse codes élèves", "stats:students"),
            Entry("Synthèse codes responsables", "stats:guardians"),
            Entry("Réplications", "replication:runs", header="Académie", divider_before=True, academy_staff=True),
            Entry("Journal de l’académie", "audit:academy_choose", also=("audit:academy",), academy_staff=True),
        ),
    ),
)

SECONDARY_MENU: tuple[Section, ...] = (
    Section("Aide", url_name="staff:help"),
    Section("Édition", url_name="staff:edition"),
    Section("Mon compte", url_name="staff:sessions"),
)
# Shown in the header, beside the school it changes.
SCHOOL_CHOICE = Section("Changer d’établissement", url_name="staff:choose_school")

# Pages below a menu entry: URL name -> (the entry's URL name, the page's own step).
SUB_PAGES: dict[str, tuple[str, str]] = {
    "car:pair": ("car:manage", "Codes du couple"),
    "cae:student": ("cae:manage", "Codes de l’élève"),
    # The account block's "Réinitialiser le mot de passe" (confirmation, then the result).
    "car:pair_account_reset": ("car:manage", "Réinitialiser le mot de passe"),
    "cae:student_account_reset": ("cae:manage", "Réinitialiser le mot de passe"),
    "notifications:run": ("notifications:guardians", "Résultat de la notification"),
    "imports:report": ("imports:import", "Compte rendu de l’import"),
    "stats:academy": ("stats:guardians", "Tableau de l’académie"),
    "staff:password_change": ("staff:sessions", "Changer mon mot de passe"),
    "staff:second_factor_enrol": ("staff:sessions", "Second facteur"),
}


@dataclass(frozen=True, slots=True)
class Crumb:
    label: str
    url: str = ""  # empty for the current page (and for a section, which is no page)


@dataclass(slots=True)
class Navigation:
    """What base.html needs for the current request."""

    current: str = ""  # the URL name of the menu entry the page belongs to
    section: str = ""  # the label of its section
    trail: list[Crumb] = field(default_factory=list)


def url_of(*names: str) -> str:
    """The path of the first of `names` that this deployment routes ("" when none is)."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def _entry_of(url_name: str) -> tuple[Section, Entry | None] | None:
    for section in (*MAIN_MENU, *SECONDARY_MENU, SCHOOL_CHOICE):
        if section.url_name == url_name:
            return section, None
        for entry in section.entries:
            if url_name == entry.url_name or url_name in entry.also:
                return section, entry
    return None


def navigation_for(url_name: str | None, *, parent: str | None = None) -> Navigation:
    """The menu entry and the breadcrumb of the page named `url_name` ("" when unknown).

    `parent` (a menu entry's URL name) places a page below another entry than its usual one:
    a page shared by several screens (a notification's result) says where it came from.
    """
    if not url_name:
        return Navigation()
    step = None
    if url_name in SUB_PAGES:
        url_name, step = SUB_PAGES[url_name]
        if parent and _entry_of(parent) is not None:
            url_name = parent
    found = _entry_of(url_name)
    if found is None:
        return Navigation()
    section, entry = found
    nav = Navigation(section=section.label, trail=[Crumb("Accueil", url_of(HOME))])
    if entry is None:
        nav.current = section.url_name
        if section.url_name != HOME:
            nav.trail.append(Crumb(section.label, url_of(section.url_name)))
    else:
        nav.current = entry.url_name
        nav.trail.append(Crumb(section.label))
        nav.trail.append(Crumb(entry.label, url_of(entry.url_name, *entry.also)))
    if step:
        nav.trail.append(Crumb(step))
    # The last step is the page itself: no link to where the user already is.
    nav.trail[-1] = Crumb(nav.trail[-1].label)
    return nav

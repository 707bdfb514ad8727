"""Roles in a school and what each one may do: the one table every admin view is checked against.

A staff user's rights in a school come from his membership's role (`SchoolMembership.role`)
and, for the academy's IT staff, from their academy membership (read-only unless `can_write`).
Views name the permission they need (`staff.access.school_required(permission=..., post=...)`);
templates ask the same table through `can` (`{% if can.codes_write %}`), so a button is shown
exactly when its action would be accepted.
"""

from __future__ import annotations

from enum import StrEnum

from .models import Role


class Permission(StrEnum):
    # Names are template identifiers: `{{ can.services_open }}`.
    READ = "read"  # lists, a pair's or a student's screen (codes masked), statistics, CSV lists
    CODES_VIEW = "codes_view"  # see activation code values on the pair and student screens
    CODES_WRITE = "codes_write"  # create, regenerate, invalidate codes; refusals; access removal
    CODES_NOTIFY = "codes_notify"  # letters (PDF) and e-mails carrying codes, and their results
    ACCOUNTS_RESET = "accounts_reset"  # reset the password of a family's account
    SERVICES_SETTINGS = "services_settings"  # welcome message, letter, notes, LPC, contact link
    SERVICES_OPEN = "services_open"  # activate téléservices, open or close a service
    IMPORTS_RUN = "imports_run"  # the SIECLE import pages: upload, preview, apply, cancel


ALL = frozenset(Permission)
READ_ONLY = frozenset({Permission.READ})

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.CHEF: ALL,
    Role.ADJOINT: ALL - {Permission.SERVICES_OPEN, Permission.IMPORTS_RUN},
    Role.CONSULTATION: READ_ONLY,
}

# The academy's IT staff: read-only in every school of the academy, unless granted writing.
ACADEMY_READ = READ_ONLY
ACADEMY_WRITE = ALL

# What the refusal page says the user's role does not allow ("… ne permet pas cette action : …").
PERMISSION_LABELS: dict[Permission, str] = {
    Permission.READ: "consulter les pages de cet établissement",
    Permission.CODES_VIEW: "voir les valeurs des codes d'activation",
    Permission.CODES_WRITE: "créer, invalider des codes ou enregistrer des refus",
    Permission.CODES_NOTIFY: "notifier les codes (courriers et courriels)",
    Permission.ACCOUNTS_RESET: "réinitialiser le mot de passe d'un compte des familles",
    Permission.SERVICES_SETTINGS: "modifier le paramétrage des téléservices",
    Permission.SERVICES_OPEN: "activer les téléservices, ouvrir ou fermer un service",
    Permission.IMPORTS_RUN: "importer les données de SIECLE",
}

NO_RIGHTS = frozenset()


def permissions_of(*, role: str | None, academy_can_write: bool | None) -> frozenset[Permission]:
    """The union of what the school role and the academy membership (None: none held) allow."""
    granted = ROLE_PERMISSIONS.get(role, NO_RIGHTS) if role else NO_RIGHTS
    if academy_can_write is not None:
        granted = granted | (ACADEMY_WRITE if academy_can_write else ACADEMY_READ)
    return frozenset(granted)


def role_label(*, role: str | None, academy_can_write: bool | None) -> str:
    """How the refusal page and the header name the user's rights in the school."""
    if role:
        return Role(role).label
    if academy_can_write is not None:
        return "personnel académique" + ("" if academy_can_write else " (consultation)")
    return "aucun"


class UnknownPermission(Exception):
    """A template asked `can` about a permission that does not exist (a typo would hide a button)."""


class Can:
    """`can.<permission>` in templates: whether the signed-in user may do it in the current school."""

    __slots__ = ("_granted", "role_label")

    def __init__(self, granted: frozenset[Permission] = NO_RIGHTS, *, role_label: str = ""):
        self._granted = frozenset(granted)
        self.role_label = role_label  # "adjoint", "personnel académique (consultation)"…

    def __getattr__(self, name: str) -> bool:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            permission = Permission(name)
        except ValueError:
            raise UnknownPermission(f"Unknown permission in a template: can.{name}") from None
        return permission in self._granted

    def __contains__(self, permission: str) -> bool:
        return permission in self._granted

    def __repr__(self) -> str:
        return f"Can({sorted(self._granted)})"

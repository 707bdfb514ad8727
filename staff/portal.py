"""The applications portal shown after sign-in (manual §3.2): what the user's rights open.

`staff` knows no feature app: the applications and the notices shown under them are plain
data here, and feature apps add a school notice through `register_school_notice` (the
services app adds B1's "téléservices not activated yet").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from .selectors import academies_for_user, schools_for_user


@dataclass(frozen=True, slots=True)
class Application:
    key: str
    label: str
    description: str
    url: str
    notices: tuple[str, ...] = ()


# Each takes (school) and returns a French notice or "" for the TS Admin tile.
_SCHOOL_NOTICES: list[Callable[[object], str]] = []


def register_school_notice(notice: Callable[[object], str]) -> None:
    if notice not in _SCHOOL_NOTICES:
        _SCHOOL_NOTICES.append(notice)


def applications_for(*, user, school=None) -> list[Application]:
    """The applications this user may open, TS Admin first."""
    apps = []
    if schools_for_user(user=user).exists() or academies_for_user(user=user).exists():
        notices = tuple(text for notice in _SCHOOL_NOTICES if school is not None and (text := notice(school)))
        apps.append(
            Application(
                key="tsadmin",
                label="TS Admin — téléservices",
                description="Ouvrir et paramétrer les téléservices, gérer les codes des responsables et des élèves.",
                url=reverse("home"),
                notices=notices,
            )
        )
    if user.is_active and user.is_staff:
        apps.append(
            Application(
                key="admin",
                label="Administration technique",
                description="Comptes, rattachements, journal de sécurité des connexions (assistance informatique).",
                url=reverse("admin:index"),
            )
        )
    return apps

"""Tenancy: which schools a user may see, and his rights in each. Every admin view goes through here."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from siecle.models import Academy, School

from .models import AcademyMembership, SchoolMembership
from .roles import Permission, permissions_of


def schools_for_user(*, user) -> QuerySet[School]:
    """Schools the user manages: his own, plus every school of the academies he staffs."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    return School.objects.filter(Q(memberships__user=user) | Q(academy__memberships__user=user)).distinct()


def schools_with_rights_for_user(*, user) -> QuerySet[School]:
    """`schools_for_user`, each school carrying the user's rights in it (read by `school_permissions`).

    Two subqueries in the same statement: loading the current school costs no extra query.
    """
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    role = SchoolMembership.objects.filter(user=user, school=OuterRef("pk")).values("role")[:1]
    academy_write = AcademyMembership.objects.filter(user=user, academy=OuterRef("academy")).values("can_write")[:1]
    return schools_for_user(user=user).annotate(
        membership_role=Subquery(role), academy_can_write=Subquery(academy_write)
    )


def school_for_user(*, user, school_id: int) -> School | None:
    """The school if the user may act on it, else None (missing and forbidden look alike)."""
    return schools_with_rights_for_user(user=user).filter(pk=school_id).select_related("academy").first()


def school_permissions(*, user, school: School) -> frozenset[Permission]:
    """What the user may do in the school: from the rights loaded with it, else read now."""
    if not hasattr(school, "membership_role"):
        loaded = school_for_user(user=user, school_id=school.pk)
        if loaded is None:
            return frozenset()
        school.membership_role, school.academy_can_write = loaded.membership_role, loaded.academy_can_write
    return permissions_of(role=school.membership_role, academy_can_write=school.academy_can_write)


def academies_for_user(*, user) -> QuerySet[Academy]:
    """The academies whose IT staff the user belongs to (none for a school head)."""
    if not user.is_authenticated or not user.is_active:
        return Academy.objects.none()
    return Academy.objects.filter(pk__in=Academy.objects.filter(memberships__user=user).values("pk")).order_by("name")

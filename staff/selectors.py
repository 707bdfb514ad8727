"""Tenancy: which schools a user may see. Every admin view goes through here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from siecle.models import Academy, School


def schools_for_user(*, user) -> QuerySet[School]:
    """Schools the user manages: his own, plus every school of the academies he staffs."""
    if not user.is_authenticated or not user.is_active:
        return School.objects.none()
    return School.objects.filter(Q(memberships__user=user) | Q(academy__memberships__user=user)).distinct()


def school_for_user(*, user, school_id: int) -> School | None:
    """The school if the user may act on it, else None (missing and forbidden look alike)."""
    return schools_for_user(user=user).filter(pk=school_id).select_related("academy").first()


def academies_for_user(*, user) -> QuerySet[Academy]:
    """The academies whose IT staff the user belongs to (none for a school head)."""
    if not user.is_authenticated or not user.is_active:
        return Academy.objects.none()
    return Academy.objects.filter(pk__in=Academy.objects.filter(memberships__user=user).values("pk")).order_by("name")

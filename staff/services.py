"""Staff accounts: creation and school memberships."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from siecle.models import Academy, School

from .models import AcademyMembership, SchoolMembership


def staff_user_create_or_update(
    *,
    username: str,
    password: str | None = None,
    schools: list[School] = (),
    academy: Academy | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> tuple[object, str | None]:
    """Create the user (or update him) and attach him to schools or to an academy.

    Returns the user and the new password when one was generated.
    """
    User = get_user_model()
    generated = None
    with transaction.atomic():
        user, _ = User.objects.get_or_create(username=username)
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active = True
        if email:
            user.email = email
        if first_name:
            user.first_name = first_name
        if last_name:
            user.last_name = last_name
        user.save()
        for school in schools:
            SchoolMembership.objects.get_or_create(user=user, school=school)
        if academy is not None:
            AcademyMembership.objects.get_or_create(user=user, academy=academy)
    return user, generated

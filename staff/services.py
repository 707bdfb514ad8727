"""Staff accounts: creation, school memberships, password changes."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from siecle.models import Academy, School

from .models import AcademyMembership, Role, SchoolMembership, StaffAccount, StaffSession
from .security import clock
from .security.sessions import MUST_CHANGE_PASSWORD, staff_sessions_close_others


def staff_user_create_or_update(
    *,
    username: str,
    password: str | None = None,
    schools: list[School] = (),
    academy: Academy | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    set_password: bool = True,
    must_change_password: bool = False,
    role: Role | str | None = None,
    academy_can_write: bool | None = None,
) -> tuple[object, str | None]:
    """Create the user (or update him) and attach him to schools or to an academy.

    `role`: his role in the given schools; a new membership is "chef" when none is given, an
    existing one keeps its role. `academy_can_write`: the academy membership's writing right
    (a new one is read-only when None is given, an existing one keeps its right).

    A given password goes through every validator of AUTH_PASSWORD_VALIDATORS (ValidationError
    with French messages, nothing written); with `set_password=False` an existing user keeps
    his. `must_change_password`: an IT-issued password, to be replaced at the first sign-in.
    Returns the user and the new password when one was generated.
    """
    User = get_user_model()
    generated = None
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created or set_password:
            if password is None:
                generated = password = secrets.token_urlsafe(12)
            validate_password(password, user)
            user.set_password(password)
            StaffAccount.objects.update_or_create(user=user, defaults={"must_change_password": must_change_password})
        user.is_active = True
        if email:
            user.email = email
        if first_name:
            user.first_name = first_name
        if last_name:
            user.last_name = last_name
        user.save()
        for school in schools:
            membership, created = SchoolMembership.objects.get_or_create(
                user=user, school=school, defaults={"role": role or Role.CHEF}
            )
            if not created and role and membership.role != role:
                membership.role = role
                membership.save(update_fields=["role"])
        if academy is not None:
            membership, created = AcademyMembership.objects.get_or_create(
                user=user, academy=academy, defaults={"can_write": bool(academy_can_write)}
            )
            if not created and academy_can_write is not None and membership.can_write != academy_can_write:
                membership.can_write = academy_can_write
                membership.save(update_fields=["can_write"])
    return user, generated


def staff_password_change(*, request, user, new_password: str) -> int:
    """The user's own change (the form checked the current password and the validators).

    This session stays signed in; every other session of the user ends (returns how many).
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        StaffAccount.objects.update_or_create(
            user=user, defaults={"must_change_password": False, "password_changed_at": clock.now()}
        )
    before = request.session.session_key
    ended = staff_sessions_close_others(user=user, keep_session_key=before)
    update_session_auth_hash(request, user)  # gives this session a new key
    request.session.pop(MUST_CHANGE_PASSWORD, None)
    request.session.save()
    StaffSession.objects.filter(session_key=before).update(session_key=request.session.session_key)
    return ended

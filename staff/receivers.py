"""Sign-in: remember in the session whether the user staffs an academy (menu entries for IT staff)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .selectors import academies_for_user

ACADEMY_STAFF_SESSION_KEY = "academy_staff"


@receiver(user_logged_in, dispatch_uid="staff-academy-staff-flag")
def remember_academy_staff(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ACADEMY_STAFF_SESSION_KEY] = academies_for_user(user=user).exists()

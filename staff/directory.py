"""Sign-in with the academy directory (django-auth-ldap), and the rights it carries.

French academy directories say who may do what: `FrEduRne` lists the person's schools
(`0781234A$UAJ$PU$N$T3$LYC$340`: the UAJ is the part before the first `$`) and
`FrEduFonctAdm` the function (`DIR` for a school head). A head gets his directory schools; any
other function gets nothing unless IT staff granted it (a local membership). The directory
memberships are replaced at each sign-in: a head moved to another school sees the new one and
no longer the old one.

Roles: only the head functions (`LDAP_HEAD_FUNCTIONS`) open schools through the directory, so a
directory membership is created with the role "chef d'établissement". A role IT staff changed
afterwards in the Django admin (a head working as a deputy elsewhere) is kept at later sign-ins
while the school stays in the entry; deputies and readers are granted by IT (local memberships,
`create_school_user --role`).
"""

from __future__ import annotations

import ldap
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django_auth_ldap.backend import LDAPBackend, ldap_error

from siecle.models import School

from .models import AcademyMembership, Role, SchoolMembership, SignInEvent
from .security.throttle import sign_in_event_record

UNAVAILABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.TIMELIMIT_EXCEEDED, ldap.CONNECT_ERROR, ldap.UNAVAILABLE)
# Set on the request by a directory sign-in that could not conclude: the form tells the user why.
REFUSAL_ATTRIBUTE = "_directory_refusal"
DIRECTORY_DOWN = "down"
NO_RIGHTS = "no_rights"


def uajs_of(values) -> set[str]:
    return {value.split("$", 1)[0].strip().upper() for value in values if value and value.split("$", 1)[0].strip()}


def directory_memberships_refresh(*, user, attrs) -> bool:
    """Replace the user's directory memberships from his entry; whether he may use TS Admin at all."""
    functions = {value.strip().upper() for value in attrs.get("FrEduFonctAdm", [])}
    heads = set(settings.LDAP_HEAD_FUNCTIONS)
    uajs = uajs_of(attrs.get("FrEduRne", [])) if functions & heads else set()
    with transaction.atomic():
        schools = list(School.objects.filter(uaj__in=uajs))
        SchoolMembership.objects.filter(user=user, source=SchoolMembership.Source.DIRECTORY).exclude(
            school__in=schools
        ).delete()
        for school in schools:
            SchoolMembership.objects.get_or_create(
                user=user, school=school, defaults={"source": SchoolMembership.Source.DIRECTORY, "role": Role.CHEF}
            )
    return SchoolMembership.objects.filter(user=user).exists() or AcademyMembership.objects.filter(user=user).exists()


class DirectoryBackend(LDAPBackend):
    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        if not directory_memberships_refresh(user=user, attrs=ldap_user.attrs):
            if ldap_user._request is not None:
                setattr(ldap_user._request, REFUSAL_ATTRIBUTE, NO_RIGHTS)
            return None
        return user


@receiver(ldap_error, dispatch_uid="staff_directory_unavailable")
def _directory_unavailable(sender, context, user, request=None, exception=None, **kwargs):
    if request is not None and isinstance(exception, UNAVAILABLE):
        setattr(request, REFUSAL_ATTRIBUTE, DIRECTORY_DOWN)
        sign_in_event_record(
            kind=SignInEvent.Kind.DIRECTORY_DOWN, username=request.POST.get("username"), request=request
        )

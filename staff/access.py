"""Access helpers for admin views.

`school_required` makes a view work on the signed-in user's current school: the school comes
from the session, and is checked against the user's memberships on every request. Objects
are then loaded with `get_for_school_or_404`, which answers 404 for an object of another
school exactly as for a missing one.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .selectors import school_for_user, schools_for_user

SESSION_KEY = "current_school_id"


def current_school(request):
    """The school the user works on now, or None when he has not picked one he may use."""
    if hasattr(request, "_current_school"):
        return request._current_school
    school = None
    school_id = request.session.get(SESSION_KEY)
    if school_id is not None:
        school = school_for_user(user=request.user, school_id=school_id)
    if school is None:
        # A user with a single school needs no picker.
        schools = list(schools_for_user(user=request.user).select_related("academy")[:2])
        if len(schools) == 1:
            school = schools[0]
            request.session[SESSION_KEY] = school.pk
    request._current_school = school
    return school


def set_current_school(request, school) -> None:
    request.session[SESSION_KEY] = school.pk
    request._current_school = school


def school_required(view):
    """Signed-in staff with a current school; the school is given as `request.school`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        school = current_school(request)
        if school is None:
            return redirect("staff:choose_school")
        request.school = school
        response = view(request, *args, **kwargs)
        # Pages and exports of a school carry activation codes and family data: no browser or
        # proxy keeps them (back button on a shared computer, intermediate caches).
        add_never_cache_headers(response)
        return response

    return wrapper


def get_for_school_or_404(queryset: QuerySet | type[Model], school, *, school_field: str = "school", **lookup):
    """Load one object of the given school; another school's object is a 404 like a missing one."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    obj = queryset.filter(**{school_field: school}, **lookup).first()
    if obj is None:
        raise Http404("Objet introuvable dans cet établissement.")
    return obj


def safe_return_url(request: HttpRequest, *, allowed: tuple[str, ...], default: str) -> str:
    """The "retour" list URL given in the request, if it is one of our own `allowed` pages, else `default`.

    Never another site: an open redirect would let a forged link send a head elsewhere.
    """
    back = request.POST.get("retour") or request.GET.get("retour") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith(allowed):
        return back
    return default

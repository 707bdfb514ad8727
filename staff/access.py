"""Access helpers for admin views.

`school_required` makes a view work on the signed-in user's current school: the school comes
from the session, and is checked against the user's memberships on every request, with the
user's role in it (staff/roles.py). Each view names the permission a GET needs (`permission`,
"read" by default) and the one a POST needs (`post`); a view that names none for POST is
read-only and answers 405 to a POST. A missing permission is a 403 with a French page saying
what the role does not allow. Objects are then loaded with `get_for_school_or_404`, which
answers 404 for an object of another school exactly as for a missing one.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .roles import PERMISSION_LABELS, Can, Permission, role_label
from .selectors import school_for_user, school_permissions, schools_with_rights_for_user

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
        schools = list(schools_with_rights_for_user(user=request.user).select_related("academy")[:2])
        if len(schools) == 1:
            school = schools[0]
            request.session[SESSION_KEY] = school.pk
    request._current_school = school
    return school


def set_current_school(request, school) -> None:
    request.session[SESSION_KEY] = school.pk
    request._current_school = school
    request.__dict__.pop("_school_can", None)


def current_can(request) -> Can:
    """What the user may do in his current school (nothing without one), and his role's name."""
    if not hasattr(request, "_school_can"):
        school = current_school(request)
        if school is None:
            request._school_can = Can()
        else:
            granted = school_permissions(user=request.user, school=school)
            label = role_label(
                role=getattr(school, "membership_role", None),
                academy_can_write=getattr(school, "academy_can_write", None),
            )
            request._school_can = Can(granted, role_label=label)
    return request._school_can


SAFE_METHODS = ("GET", "HEAD")


def school_required(view=None, *, permission: Permission = Permission.READ, post: Permission | None = None):
    """Signed-in staff with a current school and the rights the request needs.

    `@school_required` (a read-only page: GET needs "read", POST is refused with 405) or
    `@school_required(permission=..., post=...)`: `permission` is needed for every method,
    `post` in addition for a POST. The school is given as `request.school`, the rights as
    `request.can` (and `can` in templates).
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            school = current_school(request)
            if school is None:
                return redirect("staff:choose_school")
            request.school = school
            request.can = current_can(request)
            if request.method not in SAFE_METHODS and post is None:
                response = HttpResponseNotAllowed(SAFE_METHODS)
            else:
                needed = (permission,) if request.method in SAFE_METHODS else (permission, post)
                missing = next((p for p in needed if p not in request.can), None)
                response = view(request, *args, **kwargs) if missing is None else _refused(request, missing)
            # Pages and exports of a school carry activation codes and family data: no browser or
            # proxy keeps them (back button on a shared computer, intermediate caches).
            add_never_cache_headers(response)
            return response

        # Read by the roles' tests and the documentation: what each method of the view needs.
        wrapper.required_permissions = {"GET": permission, "POST": post}
        return wrapper

    if view is not None:
        return decorate(view)
    return decorate


def _refused(request: HttpRequest, permission: Permission) -> HttpResponse:
    """403: a French page naming what the user's role in this school does not allow."""
    context = {"action": PERMISSION_LABELS[permission], "role": request.can.role_label}
    return render(request, "staff/forbidden.html", context, status=403)


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

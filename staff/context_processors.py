from .access import current_can
from .access import current_school as _current_school
from .roles import Can


def current_school(request):
    """`school` (the school the user works on) and `can` (his rights in it) for every template."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"can": Can()}
    can = getattr(request, "can", None) or current_can(request)
    return {"school": getattr(request, "school", None) or _current_school(request), "can": can}

from .access import current_school as _current_school


def current_school(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"school": getattr(request, "school", None) or _current_school(request)}

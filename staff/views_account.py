"""The signed-in user's own account: his password and his sessions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .forms import StaffPasswordChangeForm
from .security.second_factor import has_second_factor
from .security.sessions import MUST_CHANGE_PASSWORD, staff_sessions_close_others, staff_sessions_live
from .services import staff_password_change


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = StaffPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        ended = staff_password_change(
            request=request, user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        text = "Votre mot de passe a été changé."
        if ended:
            text += f" Vos autres sessions ({ended}) ont été fermées."
        messages.success(request, text)
        return redirect("staff:sessions")
    forced = bool(request.session.get(MUST_CHANGE_PASSWORD))
    return render(request, "staff/password_change.html", {"form": form, "forced": forced})


@never_cache
@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    rows = staff_sessions_live(user=request.user)
    current = request.session.session_key
    context = {"rows": rows, "current": current, "has_second_factor": has_second_factor(request.user)}
    return render(request, "staff/sessions.html", context)


@login_required
@require_POST
def sessions_close_others(request: HttpRequest) -> HttpResponse:
    ended = staff_sessions_close_others(user=request.user, keep_session_key=request.session.session_key)
    if ended:
        messages.success(request, f"{ended} autre(s) session(s) fermée(s).")
    else:
        messages.info(request, "Aucune autre session n'était ouverte.")
    return redirect("staff:sessions")

"""Forgotten password: the same answer for every e-mail typed, then a single-use link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from . import ratelimit
from .emails import after_response, send_reset
from .forms import ForgottenPasswordForm, NewPasswordForm
from .services import accounts_for_email, password_reset_by_link
from .tokens import PURPOSE_RESET, RESET_MAX_AGE, TokenExpired, TokenInvalid, token_check
from .views import portal_render


@require_http_methods(["GET", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    form = ForgottenPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        ip_ok = ratelimit.hit("reset-ip", ratelimit.client_ip(request))
        if not ip_ok:
            return portal_render(
                request,
                "portal/password_forgotten.html",
                {"form": form, "error": ratelimit.LIMITED_MESSAGE},
                status=429,
            )
        # Past the per-address limit nothing more is sent, and the answer does not change. The
        # e-mails leave after the page: its time says nothing of the address either.
        accounts = accounts_for_email(email=email) if ratelimit.hit("reset-email", email) else []
        response = portal_render(request, "portal/password_forgotten_sent.html", {"email": email})

        def send_all() -> None:
            for account in accounts:
                send_reset(account=account, request=request)

        return after_response(response, send_all)
    return portal_render(request, "portal/password_forgotten.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, token: str) -> HttpResponse:
    try:
        account, _extra = token_check(purpose=PURPOSE_RESET, token=token, max_age=RESET_MAX_AGE)
    except TokenExpired:
        return portal_render(request, "portal/password_reset.html", {"outcome": "expired"}, status=400)
    except TokenInvalid:
        return portal_render(request, "portal/password_reset.html", {"outcome": "invalid"}, status=400)
    form = NewPasswordForm(request.POST if request.method == "POST" else None, account=account)
    if request.method == "POST" and form.is_valid():
        password_reset_by_link(account=account, raw=form.cleaned_data["password1"])
        return portal_render(request, "portal/password_reset.html", {"outcome": "done"})
    return portal_render(request, "portal/password_reset.html", {"outcome": "form", "form": form, "account": account})

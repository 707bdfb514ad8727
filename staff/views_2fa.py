"""The second factor's pages: enrolment (QR code, recovery codes shown once) and verification."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .security.second_factor import (
    has_second_factor,
    second_factor_verify,
    totp_enrolment_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    totp_secret_base32,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    if not has_second_factor(request.user):
        return redirect("staff:second_factor_enrol")
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    form.fields["code"].label = "Code à 6 chiffres (ou un code de secours)"
    if request.method == "POST" and form.is_valid():
        verified, reason = second_factor_verify(request=request, token=form.cleaned_data["code"])
        if verified:
            return redirect(_next_url(request))
        form.add_error("code", reason)
    return render(request, "staff/second_factor.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    if has_second_factor(request.user):
        return redirect("staff:second_factor")
    device = totp_enrolment_device(user=request.user)
    form = CodeForm(request.POST or None)
    form.fields["code"].label = "Code à 6 chiffres affiché par l'application"
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(request, "staff/recovery_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("code", "Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché.")
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret_base32(device),
        "next": _next_url(request),
    }
    return render(request, "staff/second_factor_enrol.html", context)

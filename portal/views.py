"""The families' pages: thin views over portal.services, rendered with the portal's own base."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods, require_POST

from . import ratelimit
from .auth import current_family, family_required, password_matches, safe_next
from .family import family_home
from .forms import NewPasswordForm, SignInForm
from .models import Account
from .sessions import flash, flashes_pop, session_end, session_start


def portal_render(
    request: HttpRequest, template: str, context: dict | None = None, *, status: int = 200
) -> HttpResponse:
    """Render a portal page: the signed-in family (if any) and its one-time messages added."""
    family = getattr(request, "family", None) or current_family(request)
    full = {"family": family, "flashes": flashes_pop(request) if family else []}
    full.update(context or {})
    return render(request, template, full, status=status)


# --- Home (F3) ----------------------------------------------------------------------------


@family_required
def home(request: HttpRequest) -> HttpResponse:
    return portal_render(request, "portal/home.html", {"home": family_home(account=request.family.account)})


# --- Sign-in, sign-out ------------------------------------------------------------------


SIGN_IN_REFUSED = "Identifiant ou mot de passe incorrect. Vérifiez-les, puis réessayez."


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("suivant") or request.GET.get("suivant"))
    if current_family(request) is not None and request.method == "GET":
        return redirect(next_url)
    form = SignInForm(request.POST if request.method == "POST" else None)
    error = ""
    provisional = None
    if request.method == "POST" and form.is_valid():
        login = form.cleaned_data["login"].strip()
        ip = ratelimit.client_ip(request)
        if not ratelimit.hit("signin-ip", ip) or ratelimit.blocked("signin-login", login):
            error = ratelimit.LIMITED_MESSAGE
            return portal_render(
                request, "portal/sign_in.html", {"form": form, "error": error, "next": next_url}, status=429
            )
        account = Account.objects.filter(login__iexact=login).first()
        if not password_matches(account, form.cleaned_data["password"]):
            ratelimit.hit("signin-login", login)
            error = SIGN_IN_REFUSED
        elif account.state != Account.State.VALIDATED:
            provisional = account
        else:
            ratelimit.clear("signin-login", login)
            response = redirect(next_url)
            session_start(request=request, response=response, account=account)
            Account.objects.filter(pk=account.pk).update(last_login=timezone.now())
            return response
    context = {"form": form, "error": error, "next": next_url, "provisional": provisional}
    if provisional is not None:
        from .views_activation import resend_token

        context["resend_token"] = resend_token(provisional)
    return portal_render(request, "portal/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    response = redirect("portal:signed_out")
    session_end(request=request, response=response)
    return response


def signed_out(request: HttpRequest) -> HttpResponse:
    return portal_render(request, "portal/signed_out.html")


# --- A temporary password must be changed before anything else --------------------------


@family_required(allow_temporary_password=True)
@require_http_methods(["GET", "POST"])
def password_forced(request: HttpRequest) -> HttpResponse:
    from .services import account_password_set

    account = request.family.account
    if not account.must_change_password:
        return redirect("portal:home")
    form = NewPasswordForm(request.POST if request.method == "POST" else None, account=account)
    if request.method == "POST" and form.is_valid():
        account_password_set(account=account, raw=form.cleaned_data["password1"], keep=request.family.session)
        flash(request, "Votre nouveau mot de passe est enregistré.")
        return redirect("portal:home")
    return portal_render(request, "portal/password_forced.html", {"form": form})


# --- Error pages (the admin's wording, the portal's layout) -----------------------------


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    try:
        return portal_render(request, template, status=status)
    except Exception:  # noqa: BLE001 — the error page must not fail in turn (e.g. database down)
        return HttpResponse(loader.render_to_string(template, {"family": None}), status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "portal/400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "portal/403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "portal/404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(loader.render_to_string("portal/500.html", {"family": None}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return HttpResponse(loader.render_to_string("portal/403_csrf.html", {"family": None}), status=403)

"""F6 "Gérer son compte" and F5 "Contacter l'établissement": thin views over portal.services_account.

Every page needs a signed-in family (`family_required`), which also sends an account with a
temporary password to the forced change page first (server-side, whatever the URL asked).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import ratelimit
from .auth import family_required
from .forms_account import ContactForm, EmailChangeForm, PasswordChangeForm
from .selectors import account_children, contact_school
from .services_account import (
    AccountActionError,
    account_email_change_confirm,
    account_email_change_request,
    account_password_change,
    email_mask,
)
from .sessions import flash
from .tokens import TokenExpired, TokenInvalid
from .views import portal_render


@family_required
def account(request: HttpRequest) -> HttpResponse:
    """The account's facts, its attached children and codes (never a code value), the actions."""
    children = account_children(account_id=request.family.account.pk)
    schools = {}
    for child in children:
        if child.contact_active:
            schools.setdefault(child.school_id, child.school_name)
    return portal_render(
        request,
        "portal/account/account.html",
        {"account": request.family.account, "children": children, "contact_schools": sorted(schools.items())},
    )


@family_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    family = request.family
    form = PasswordChangeForm(request.POST or None, account=family.account)
    status = 200
    if request.method == "POST":
        if ratelimit.blocked("account-password", str(family.account.pk)):
            return portal_render(
                request, "portal/account/password.html", {"form": form, "error": ratelimit.LIMITED_MESSAGE}, status=429
            )
        if form.is_valid():
            account_password_change(account=family.account, raw=form.cleaned_data["password1"], keep=family.session)
            ratelimit.clear("account-password", str(family.account.pk))
            flash(request, "Votre nouveau mot de passe est enregistré. Vos autres connexions ouvertes sont fermées.")
            return redirect("portal:account")
        if "current" in form.errors:
            ratelimit.hit("account-password", str(family.account.pk))
        status = 200
    return portal_render(request, "portal/account/password.html", {"form": form}, status=status)


@family_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    family = request.family
    form = EmailChangeForm(request.POST or None, account=family.account)
    error = ""
    if request.method == "POST":
        if not ratelimit.hit("account-email", str(family.account.pk)):
            return portal_render(
                request, "portal/account/email.html", {"form": form, "error": ratelimit.LIMITED_MESSAGE}, status=429
            )
        if form.is_valid():
            new_email = form.cleaned_data["email"]
            try:
                account_email_change_request(
                    account=family.account,
                    new_email=new_email,
                    confirm_url=lambda token: request.build_absolute_uri(
                        reverse("portal:account_email_confirm", args=[token])
                    ),
                )
            except AccountActionError as failure:
                error = str(failure)
            else:
                flash(
                    request,
                    f"Un lien de confirmation a été envoyé à {new_email}. "
                    "Votre adresse changera quand vous l'aurez ouvert.",
                )
                return redirect("portal:account")
    return portal_render(request, "portal/account/email.html", {"form": form, "error": error})


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the e-mail change: GET asks to confirm (mail scanners open links), POST applies it."""
    from .tokens import EMAIL_MAX_AGE, PURPOSE_EMAIL, token_check

    try:
        _account, extra = token_check(purpose=PURPOSE_EMAIL, token=token, max_age=EMAIL_MAX_AGE)
    except TokenExpired:
        return portal_render(request, "portal/account/email_link.html", {"problem": "expired"}, status=410)
    except TokenInvalid:
        return portal_render(request, "portal/account/email_link.html", {"problem": "invalid"}, status=404)
    if request.method == "POST":
        try:
            changed = account_email_change_confirm(token=token)
        except (TokenExpired, TokenInvalid):
            return portal_render(request, "portal/account/email_link.html", {"problem": "invalid"}, status=404)
        return portal_render(request, "portal/account/email_link.html", {"done": True, "email": changed.email})
    return portal_render(request, "portal/account/email_link.html", {"email": str(extra.get("e", ""))})


@family_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, school_id: int) -> HttpResponse:
    """F5: a message to one of the children's schools whose contact link is active; else 404."""
    from .services_account import school_contact_send

    account = request.family.account
    school = contact_school(account_id=account.pk, school_id=school_id)
    if school is None:
        raise Http404("Pas de contact possible avec cet établissement.")
    children = [c for c in account_children(account_id=account.pk) if c.school_id == school.pk]
    form = ContactForm(request.POST or None, children=children)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("contact-account", str(account.pk)):
            error = (
                "Vous avez déjà envoyé plusieurs messages aujourd'hui : pour éviter les abus, "
                "le formulaire est suspendu jusqu'à demain. En cas d'urgence, téléphonez à l'établissement."
            )
            status = 429
        else:
            try:
                school_contact_send(
                    account=account,
                    school=school,
                    child=form.chosen_child(),
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                )
            except AccountActionError as failure:
                error = str(failure)
            else:
                where = f" Une copie vous a été envoyée à {email_mask(account.email)}." if account.email else ""
                flash(request, f"Votre message a été envoyé à {school.name}.{where}")
                return redirect("portal:account")
    return portal_render(
        request,
        "portal/account/contact.html",
        {"form": form, "school": school, "error": error, "phone": school.phone},
        status=status,
    )

"""F1 account creation with an activation code, its e-mailed validation, and F2 "Rattacher un enfant"."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from . import ratelimit
from .auth import family_required
from .emails import send_validation
from .forms import AccountCreateForm, CodeForm
from .models import Account, Code, School, Student
from .services import CodeRefused, LoginTaken, account_create, account_validate, child_attach, code_check
from .sessions import flash, session_start
from .tokens import PURPOSE_VALIDATE, VALIDATE_MAX_AGE, TokenExpired, TokenInvalid, token_check
from .views import portal_render

# One answer for every refusal (unknown, used, locked, refused, not yet replicated, wrong date).
CODE_REFUSED = (
    "Ce code d'activation et cette date de naissance ne permettent pas d'ouvrir un accès. "
    "Vérifiez le code (13 caractères) et la date de naissance, tels qu'ils figurent sur le courrier "
    "de l'établissement. Un code reçu aujourd'hui ne fonctionne qu'à partir de demain. "
    "Si le problème continue, contactez l'établissement."
)
STATE_SALT = "portal.activation.state"
STATE_MAX_AGE = timedelta(minutes=30)
RESEND_SALT = "portal.activation.resend"
RESEND_MAX_AGE = timedelta(days=30)


def resend_token(account: Account) -> str:
    return signing.dumps(account.pk, salt=RESEND_SALT)


def _code_summary(code: Code) -> dict:
    student = Student.objects.filter(pk=code.student_id).first()
    school = School.objects.filter(pk=code.school_id).first()
    return {
        "child": f"{student.first_name} {student.last_name}" if student else "",
        "school": school.name if school else "",
        "is_guardian": code.kind == Code.Kind.CAR,
    }


@require_http_methods(["GET", "POST"])
def activation(request: HttpRequest) -> HttpResponse:
    """Step 1: the code (typed, or pre-filled from the letter's QR code) and the birth date."""
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.hit("activation-ip", ratelimit.client_ip(request)):
            return portal_render(
                request, "portal/activation.html", {"form": form, "error": ratelimit.LIMITED_MESSAGE}, status=429
            )
        try:
            code = code_check(typed=form.cleaned_data["code"], birth_date=form.cleaned_data["birth_date"])
        except CodeRefused:
            return portal_render(request, "portal/activation.html", {"form": form, "error": CODE_REFUSED})
        state = signing.dumps({"c": code.id}, salt=STATE_SALT)
        account_form = AccountCreateForm(initial={"state": state}, for_student=code.kind == Code.Kind.CAE)
        return portal_render(request, "portal/activation_account.html", {"form": account_form, **_code_summary(code)})
    return portal_render(request, "portal/activation.html", {"form": form})


@require_POST
def activation_account(request: HttpRequest) -> HttpResponse:
    """Step 2: login, password, e-mail; the checked code comes back signed (30 minutes)."""
    try:
        state = signing.loads(request.POST.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
        code_id = int(state["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        form = CodeForm()
        error = "Le délai pour créer le compte est dépassé, ou la page est incomplète : saisissez de nouveau le code et la date de naissance."
        return portal_render(request, "portal/activation.html", {"form": form, "error": error})
    code = Code.objects.filter(pk=code_id).first()
    form = AccountCreateForm(request.POST, for_student=code is not None and code.kind == Code.Kind.CAE)
    summary = _code_summary(code) if code else {}
    if not ratelimit.hit("activation-ip", ratelimit.client_ip(request)):
        return portal_render(
            request,
            "portal/activation_account.html",
            {"form": form, "error": ratelimit.LIMITED_MESSAGE, **summary},
            status=429,
        )
    if not form.is_valid():
        return portal_render(request, "portal/activation_account.html", {"form": form, **summary})
    try:
        account = account_create(
            code_id=code_id,
            login=form.cleaned_data["login"],
            raw_password=form.cleaned_data["password1"],
            email=form.cleaned_data["email"],
        )
    except LoginTaken:
        form.add_error("login", "Cet identifiant est déjà pris : choisissez-en un autre.")
        return portal_render(request, "portal/activation_account.html", {"form": form, **summary})
    except CodeRefused:
        return portal_render(request, "portal/activation.html", {"form": CodeForm(), "error": CODE_REFUSED})
    if account.kind == Account.Kind.STUDENT:
        response = redirect("portal:home")
        session_start(request=request, response=response, account=account)
        flash(request, "Votre compte est créé : vous êtes connecté.")
        return response
    sent = send_validation(account=account, request=request)
    return portal_render(
        request,
        "portal/activation_done.html",
        {"account": account, "sent": sent, "resend_token": resend_token(account)},
    )


@require_http_methods(["GET", "POST"])
def validate(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link: a page with one button (mail scanners that open links validate nothing)."""
    try:
        account, _extra = token_check(purpose=PURPOSE_VALIDATE, token=token, max_age=VALIDATE_MAX_AGE)
    except TokenExpired as expired:
        account = expired.account
        if account is None or account.state != Account.State.PROVISIONAL:
            return portal_render(request, "portal/validate.html", {"outcome": "invalid"}, status=400)
        sent = False
        if ratelimit.hit("resend-ip", ratelimit.client_ip(request)):
            sent = send_validation(account=account, request=request)
        return portal_render(
            request,
            "portal/validate.html",
            {"outcome": "expired", "sent": sent, "account": account, "resend_token": resend_token(account)},
        )
    except TokenInvalid:
        return portal_render(request, "portal/validate.html", {"outcome": "invalid"}, status=400)
    if request.method == "POST":
        account_validate(account=account)
        return portal_render(request, "portal/validate.html", {"outcome": "validated", "account": account})
    return portal_render(request, "portal/validate.html", {"outcome": "confirm", "account": account})


@require_POST
def validation_resend(request: HttpRequest) -> HttpResponse:
    """ "Renvoyer le lien": a new validation link for a Provisoire account (rate limited)."""
    try:
        account_id = signing.loads(request.POST.get("jeton", ""), salt=RESEND_SALT, max_age=RESEND_MAX_AGE)
    except signing.BadSignature:
        return portal_render(request, "portal/validate.html", {"outcome": "invalid"}, status=400)
    account = Account.objects.filter(pk=account_id).first()
    if account is None or account.state != Account.State.PROVISIONAL:
        return redirect("portal:sign_in")
    if not ratelimit.hit("resend-ip", ratelimit.client_ip(request)):
        return portal_render(
            request,
            "portal/activation_done.html",
            {"account": account, "sent": False, "limited": True, "resend_token": resend_token(account), "resent": True},
            status=429,
        )
    sent = send_validation(account=account, request=request)
    return portal_render(
        request,
        "portal/activation_done.html",
        {"account": account, "sent": sent, "resend_token": resend_token(account), "resent": True},
    )


@family_required
@require_http_methods(["GET", "POST"])
def attach(request: HttpRequest) -> HttpResponse:
    """F2 "Rattacher un enfant": another CAR on this guardian's account, any school of the academy."""
    account = request.family.account
    if account.kind != Account.Kind.GUARDIAN:
        flash(request, "Un compte élève donne accès à un seul élève : il ne peut pas rattacher d'enfant.", "warning")
        return redirect("portal:home")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed = ratelimit.hit("activation-ip", ratelimit.client_ip(request))
        allowed = ratelimit.hit("activation-account", str(account.pk)) and allowed
        if not allowed:
            return portal_render(
                request, "portal/attach.html", {"form": form, "error": ratelimit.LIMITED_MESSAGE}, status=429
            )
        try:
            code = code_check(
                typed=form.cleaned_data["code"], birth_date=form.cleaned_data["birth_date"], kind=Code.Kind.CAR
            )
            child_attach(account=account, code_id=code.id)
        except CodeRefused:
            return portal_render(request, "portal/attach.html", {"form": form, "error": CODE_REFUSED})
        summary = _code_summary(code)
        flash(request, f"{summary['child']} est maintenant rattaché(e) à votre compte.")
        return redirect("portal:home")
    return portal_render(request, "portal/attach.html", {"form": form})

"""Families' authentication: Argon2 passwords, the portal's password rules, signed-in pages.

Families are not staff users: nothing here uses django.contrib.auth's users or sessions (only
its password hashers and validators, which are plain functions). `family_required` guards a
portal page: no family session → the sign-in page; a temporary password → the forced change
page before anything else. The view gets `request.family` (a `Family`: account + session).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Account, FamilySession
from .sessions import session_load

PASSWORD_MIN_LENGTH = 12
# The portal's own rules (the staff's live in settings.AUTH_PASSWORD_VALIDATORS).
PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("login", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A hash made once, checked against when the login is unknown: the same Argon2 work on every path.
_DUMMY_HASH: str | None = None


def password_hash(raw: str) -> str:
    return make_password(raw, hasher="argon2")


def password_validate(raw: str, *, login: str = "", email: str = "") -> None:
    """Raises django.core.exceptions.ValidationError (French messages) when `raw` is too weak."""
    candidate = Account(login=login, email=email)
    validate_password(raw, candidate, password_validators=get_password_validators(PASSWORD_VALIDATORS))


def password_matches(account: Account | None, raw: str) -> bool:
    """True when `raw` is the account's password; an unknown account costs the same Argon2 work."""
    global _DUMMY_HASH
    if account is None or not account.password:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = password_hash("pas-un-vrai-mot-de-passe")
        check_password(raw, _DUMMY_HASH)
        return False
    return check_password(raw, account.password)


@dataclass(frozen=True)
class Family:
    """The signed-in family of a request."""

    account: Account
    session: FamilySession

    @property
    def is_guardian(self) -> bool:
        return self.account.kind == Account.Kind.GUARDIAN


def current_family(request: HttpRequest) -> Family | None:
    session = session_load(request)
    if session is None:
        return None
    return Family(account=session.account, session=session)


def sign_in_url(next_path: str = "") -> str:
    url = reverse("portal:sign_in")
    return f"{url}?{urlencode({'suivant': next_path})}" if next_path else url


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """A local address to go to after sign-in, or the home page."""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        if candidate.startswith("/") and not candidate.startswith("//"):
            return candidate
    return reverse("portal:home")


def family_required(view: Callable | None = None, *, allow_temporary_password: bool = False):
    """Decorator of a signed-in family's page (`request.family`).

    Without a session: redirect to the sign-in page (then back). With a temporary password
    (`must_change_password`, set by a reset from the school): redirect to the forced change page,
    unless the view is that page (`allow_temporary_password=True`). The page's response is never
    cached (`Cache-Control: no-store, private`).
    """

    def decorate(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            family = current_family(request)
            if family is None:
                return redirect(sign_in_url(request.get_full_path()))
            if family.account.must_change_password and not allow_temporary_password:
                return redirect("portal:password_forced")
            request.family = family
            response = func(request, *args, **kwargs)
            # A family's page holds personal data: never kept by a browser or a proxy.
            add_never_cache_headers(response)
            return response

        return wrapper

    return decorate(view) if view is not None else decorate

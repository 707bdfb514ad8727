"""E-mails of the portal (validation link, forgotten password): Django's mail API, plain text.

Sent by the view once the transaction is committed, through the configured backend (SMTP in
production, files under var/mail/ on `make run`). A failure is returned, never raised: the
page says so and offers to send again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Account
from .tokens import PURPOSE_RESET, PURPOSE_VALIDATE, RESET_MAX_AGE, VALIDATE_MAX_AGE, token_make

logger = logging.getLogger(__name__)
PORTAL_URLCONF = "tsadmin.urls_portal"


def portal_url(name: str, *args, request: HttpRequest | None = None) -> str:
    """An absolute address of a portal page: from the request, else settings.PORTAL_BASE_URL."""
    path = reverse(name, args=args, urlconf=PORTAL_URLCONF)
    if request is not None:
        return request.build_absolute_uri(path)
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8001").rstrip("/")
    return f"{base}{path}"


def after_response(response: HttpResponse, send: Callable[[], object]) -> HttpResponse:
    """Send once the page has gone to the browser (the WSGI server closes the response then).

    For pages whose answer must not depend on whether a message is sent (forgotten password):
    the SMTP round trip would otherwise tell a known address from an unknown one by its time.
    """
    response._resource_closers.append(send)
    return response


def _send(*, to: str, subject: str, template: str, context: dict) -> bool:
    body = render_to_string(template, context)
    try:
        sent = EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)
    except Exception:  # noqa: BLE001 — SMTP down, refused, timeout: the page says so
        logger.exception("portal: e-mail %r to account could not be sent", subject)
        return False
    return sent == 1


def send_validation(*, account: Account, request: HttpRequest | None = None) -> bool:
    """The link that turns a guardian's Provisoire account into Validé (7 days, single use)."""
    token = token_make(purpose=PURPOSE_VALIDATE, account=account)
    return _send(
        to=account.email,
        subject="Scolarité services : validez votre compte",
        template="portal/emails/validation.txt",
        context={
            "account": account,
            "url": portal_url("portal:validate", token, request=request),
            "days": VALIDATE_MAX_AGE.days,
        },
    )


def send_reset(*, account: Account, request: HttpRequest | None = None) -> bool:
    """A single-use link to choose a new password (forgotten password)."""
    token = token_make(purpose=PURPOSE_RESET, account=account)
    return _send(
        to=account.email,
        subject="Scolarité services : choisir un nouveau mot de passe",
        template="portal/emails/reset.txt",
        context={
            "account": account,
            "url": portal_url("portal:password_reset", token, request=request),
            "hours": int(RESET_MAX_AGE.total_seconds() // 3600),
        },
    )

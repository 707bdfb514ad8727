"""Middleware shared by the staff site and the families' portal."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class PermissionsPolicyMiddleware:
    """Sends `settings.PERMISSIONS_POLICY` (tsadmin.browser_policy) with every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class MethodNotAllowedPageMiddleware:
    """An empty 405 becomes the site's French page (`settings.METHOD_NOT_ALLOWED_TEMPLATE`).

    A form's address (account creation, sign-out, a code's action) opened from the address bar,
    a bookmark or the history answered 405 with no body: the browser showed its own English
    error. The status and the Allow header stay; a 405 that has a body, or answers another
    method than GET (a read-only role's POST, `staff.access`), is left alone. Listed
    last, so the security headers (CSP, Permissions-Policy) still apply to the page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "GET" or response.status_code != 405 or response.streaming or response.content:
            return response
        page = render(request, settings.METHOD_NOT_ALLOWED_TEMPLATE, {"family": None}, status=405)
        if "Allow" in response:
            page["Allow"] = response["Allow"]
        return page

"""The families' site when its database does not answer: a clear maintenance page, not a 500.

`MaintenanceMiddleware` wraps everything below it: a connection refused or lost (Django's
`OperationalError` / `InterfaceError`) anywhere in a request answers 503 with the French
maintenance page and `Retry-After`, logs once, and closes the broken connection so the next
request tries again. Nothing was written (each write is one transaction).

The same page answers when the rate limits' cache is down on a form that fails closed
(`portal.ratelimit.RateLimitUnavailable`: an activation code typed is not checked then).
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .ratelimit import RateLimitUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 300


def maintenance_response(request: HttpRequest) -> HttpResponse:
    html = render_to_string("portal/maintenance.html", {"family": None, "flashes": []}, request=None)
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class MaintenanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError):
            logger.error("families' database unreachable: maintenance page served", exc_info=True)
            for connection in connections.all(initialized_only=True):
                connection.close()
            return maintenance_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view's exception reaches Django's handler before __call__ sees it: answer here.
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("families' database unreachable: maintenance page served", exc_info=exception)
            for connection in connections.all(initialized_only=True):
                connection.close()
            return maintenance_response(request)
        if isinstance(exception, RateLimitUnavailable):
            logger.error("rate limits' cache unreachable: code forms answer the maintenance page")
            return maintenance_response(request)
        return None

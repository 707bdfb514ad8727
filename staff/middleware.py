"""What every signed-in staff request goes through: session ages, forced password change."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .security import clock
from .security.second_factor import has_second_factor, second_factor_required
from .security.sessions import MUST_CHANGE_PASSWORD, SECOND_FACTOR_NEEDED, SEEN_AT, SIGNED_IN_AT

# The idle clock is written at most this often (one session write a minute, not one a request).
SEEN_RESOLUTION_SECONDS = 60


class StaffSessionMiddleware:
    """Ends a session idle for STAFF_SESSION_IDLE_SECONDS or older than STAFF_SESSION_MAX_SECONDS;
    sends a user who owes a second factor to its page (enrolment the first time); keeps a user
    whose password was issued by IT on the password page until he changes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = clock.now().timestamp()
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
        elif (
            # seen_at lags the last request by at most SEEN_RESOLUTION_SECONDS: never end a session early.
            now - seen_at > settings.STAFF_SESSION_IDLE_SECONDS + SEEN_RESOLUTION_SECONDS
            or now - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS
        ):
            logout(request)
            messages.info(request, "Votre session a expiré. Reconnectez-vous pour continuer.")
            return redirect_to_login(request.get_full_path())
        elif now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
        if SECOND_FACTOR_NEEDED not in session:  # a session opened before this rule
            session[SECOND_FACTOR_NEEDED] = second_factor_required(request.user)
        if session[SECOND_FACTOR_NEEDED] and not request.user.is_verified() and not self._exempt(request.path):
            target = "staff:second_factor" if has_second_factor(request.user) else "staff:second_factor_enrol"
            return redirect_to_login(request.get_full_path(), login_url=reverse(target))
        if session.get(MUST_CHANGE_PASSWORD) and not self._exempt(request.path):
            messages.warning(request, "Votre mot de passe a été fourni par l'assistance : choisissez-en un nouveau.")
            return redirect("staff:password_change")
        return None

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("staff:password_change"),
            reverse("staff:logout"),
            reverse("admin:logout"),
            reverse("staff:second_factor"),
            reverse("staff:second_factor_enrol"),
        )
        return path in allowed or path.startswith("/" + settings.STATIC_URL.lstrip("/"))

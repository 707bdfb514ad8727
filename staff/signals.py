"""The security log hears every sign-in, whatever the page or backend (site, admin, directory)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .models import SignInEvent
from .security.throttle import sign_in_event_record


@receiver(user_login_failed, dispatch_uid="staff_sign_in_failed")
def _record_failure(sender, credentials, request=None, **kwargs):
    sign_in_event_record(kind=SignInEvent.Kind.FAILURE, username=credentials.get("username"), request=request)


@receiver(user_logged_in, dispatch_uid="staff_signed_in")
def _record_success(sender, request, user, **kwargs):
    sign_in_event_record(kind=SignInEvent.Kind.SUCCESS, username=user.get_username(), request=request)

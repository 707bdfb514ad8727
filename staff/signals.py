"""Sign-in side effects, whatever the page or backend (site, admin, directory): the security
log, the session's start and row, the forced password change."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import SignInEvent, StaffAccount
from .security.second_factor import second_factor_required
from .security.sessions import MUST_CHANGE_PASSWORD, SECOND_FACTOR_NEEDED, staff_session_forget, staff_session_record
from .security.throttle import sign_in_event_record


@receiver(user_login_failed, dispatch_uid="staff_sign_in_failed")
def _record_failure(sender, credentials, request=None, **kwargs):
    sign_in_event_record(kind=SignInEvent.Kind.FAILURE, username=credentials.get("username"), request=request)


@receiver(user_logged_in, dispatch_uid="staff_signed_in")
def _record_success(sender, request, user, **kwargs):
    sign_in_event_record(kind=SignInEvent.Kind.SUCCESS, username=user.get_username(), request=request)
    if request is None or not hasattr(request, "session"):
        return
    staff_session_record(request=request, user=user)
    request.session[SECOND_FACTOR_NEEDED] = second_factor_required(user)
    if StaffAccount.objects.filter(user=user, must_change_password=True).exists():
        request.session[MUST_CHANGE_PASSWORD] = True


@receiver(user_logged_out, dispatch_uid="staff_signed_out")
def _forget_session(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        staff_session_forget(session_key=request.session.session_key)

"""The second factor of staff sign-in: TOTP (django-otp) and one-time recovery codes.

The devices are `SealedTOTPDevice`: their secret is sealed at rest (staff.security.totp_keys);
it is opened only to check a code and to draw the enrolment's QR code and typed secret.

`STAFF_2FA`: "all" (every staff account; production's default), "privileged" (academy-level
accounts, Django admin staff and superusers), "off". A user who enrolled is always asked, and
nobody can skip once asked: there is no exemption flag. IT staff reset a lost factor with
`manage.py reset_second_factor LOGIN` or the admin action; the user enrols again at his next
sign-in.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

import segno
from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login

from staff.models import AcademyMembership, RecoveryCode, SealedTOTPDevice, SignInEvent, StaffSession

from . import clock
from .sessions import staff_sessions_close_others
from .throttle import sign_in_event_record
from .totp_keys import SealError

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def is_privileged(user) -> bool:
    return bool(user.is_superuser or user.is_staff or AcademyMembership.objects.filter(user=user).exists())


def has_second_factor(user) -> bool:
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_required(user) -> bool:
    mode = settings.STAFF_2FA
    if mode == "all" or has_second_factor(user):
        return True
    return mode == "privileged" and is_privileged(user)


def totp_enrolment_device(*, user) -> SealedTOTPDevice:
    """The unconfirmed device being enrolled (created once; its key stays until confirmed)."""
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is not None and not _opens(device):
        device.delete()  # sealed with a key no longer configured: nothing was confirmed, draw a new one
        device = None
    if device is None:
        device = SealedTOTPDevice.objects.create(user=user, name="Application d'authentification", confirmed=False)
    return device


def _opens(device: SealedTOTPDevice) -> bool:
    """Whether the configured keys open the device's secret (logged when not, without any secret)."""
    try:
        device.bin_key  # noqa: B018
    except SealError as exc:
        logger.error("TOTP device %s of user %s: %s", device.pk, device.user_id, exc)
        return False
    return True


def totp_qr_svg(device: SealedTOTPDevice) -> SafeString:
    """The otpauth:// QR code as inline SVG (drawn here: nothing fetched by the browser)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code du second facteur")
    return mark_safe(svg)  # noqa: S308 — segno's own SVG of our own URL


def totp_secret_base32(device: SealedTOTPDevice) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _hash(code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def recovery_codes_issue(*, user) -> list[str]:
    """New recovery codes (the old ones stop working); returned once, stored hashed."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(code)) for code in codes)
    return codes


def totp_enrolment_confirm(*, request, device: SealedTOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code; returns the recovery codes, or None if the code is wrong."""
    token = "".join(token.split())
    if not token.isdigit() or not device.verify_token(token):
        sign_in_event_record(kind=SignInEvent.Kind.OTP_FAILURE, username=request.user.get_username(), request=request)
        return None
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=request.user)
    otp_login(request, device)
    sign_in_event_record(kind=SignInEvent.Kind.OTP_SUCCESS, username=request.user.get_username(), request=request)
    return codes


def second_factor_verify(*, request, token: str) -> tuple[bool, str]:
    """A TOTP code or a recovery code for the signed-in user; (verified, French reason if not)."""
    user = request.user
    token = token.strip()
    digits = "".join(token.split())
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False, "Aucun second facteur n'est activé sur ce compte."
    if digits.isdigit():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            sign_in_event_record(kind=SignInEvent.Kind.THROTTLED, username=user.get_username(), request=request)
            return False, "Trop de codes erronés : patientez quelques instants avant de réessayer."
        if not _opens(device):
            sign_in_event_record(kind=SignInEvent.Kind.OTP_FAILURE, username=user.get_username(), request=request)
            return False, (
                "Le code de votre application ne peut pas être vérifié pour le moment. Utilisez un code de "
                "secours, ou contactez l'assistance, qui peut réinitialiser votre second facteur."
            )
        try:
            with transaction.atomic():  # a savepoint: the failed save leaves the request's transaction usable
                verified = device.verify_token(digits)
        except DatabaseError:
            # Its counters are saved by id: IT reset (deleted) the device while the code was checked.
            if SealedTOTPDevice.objects.filter(pk=device.pk).exists():
                raise
            return False, "Votre second facteur vient d'être réinitialisé : reconnectez-vous pour l'activer à nouveau."
        if verified:
            otp_login(request, device)
            sign_in_event_record(kind=SignInEvent.Kind.OTP_SUCCESS, username=user.get_username(), request=request)
            return True, ""
    elif token:
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            sign_in_event_record(kind=SignInEvent.Kind.THROTTLED, username=user.get_username(), request=request)
            return False, "Trop de codes erronés : patientez quelques instants avant de réessayer."
        used = RecoveryCode.objects.filter(user=user, code_hash=_hash(token), used_at__isnull=True).update(
            used_at=clock.now()
        )
        if used:
            device.throttle_reset()
            otp_login(request, device)
            sign_in_event_record(kind=SignInEvent.Kind.OTP_SUCCESS, username=user.get_username(), request=request)
            return True, ""
        device.throttle_increment()
    sign_in_event_record(kind=SignInEvent.Kind.OTP_FAILURE, username=user.get_username(), request=request)
    return False, "Code incorrect."


def second_factor_reset(*, user) -> int:
    """IT staff: forget the user's devices and recovery codes and end his sessions.

    He enrols again at his next sign-in. Returns how many sessions were ended.
    """
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
    ended = staff_sessions_close_others(user=user, keep_session_key=None)
    StaffSession.objects.filter(user=user).delete()
    return ended

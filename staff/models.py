"""Who may act on which school (memberships), and the sign-in security records."""

from binascii import unhexlify

from django.conf import settings
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from siecle.models import Academy, School

from .security import totp_keys


class Role(models.TextChoices):
    """What a staff user may do in one school (staff/roles.py maps each role to its permissions)."""

    CHEF = "chef", "chef d'établissement"
    ADJOINT = "adjoint", "adjoint"
    CONSULTATION = "consultation", "consultation"


class SchoolMembership(models.Model):
    """A staff user (school head, deputy, reader) who works on one school. A user may hold several."""

    Role = Role

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Source(models.TextChoices):
        LOCAL = "local", "accordé par l'assistance"
        DIRECTORY = "directory", "annuaire académique"

    # Directory memberships are replaced at each directory sign-in; local ones (IT's grants) stay.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LOCAL)
    # Least privilege when nobody chose: every code path that grants a school says which role.
    role = models.CharField(
        "rôle",
        max_length=12,
        choices=Role.choices,
        default=Role.CONSULTATION,
        help_text=(
            "Chef d'établissement : tout. Adjoint : tout sauf activer les téléservices, ouvrir ou fermer "
            "un service et importer SIECLE. Consultation : listes et statistiques, sans aucune valeur de code."
        ),
    )

    class Meta:
        verbose_name = "rattachement à un établissement"
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="membership_unique_user_school")]

    def __str__(self) -> str:
        return f"{self.user} → {self.school}"


class AcademyMembership(models.Model):
    """Academy IT staff: they see every school of the academy, read-only unless granted writing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="academy_memberships")
    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    can_write = models.BooleanField(
        "peut agir dans les établissements",
        default=False,
        help_text=(
            "Décoché : consultation seule (listes et statistiques, sans valeur de code). "
            "Coché : les mêmes droits qu'un chef d'établissement dans chaque établissement de l'académie."
        ),
    )

    class Meta:
        verbose_name = "rattachement à une académie"
        constraints = [models.UniqueConstraint(fields=["user", "academy"], name="membership_unique_user_academy")]

    def __str__(self) -> str:
        return f"{self.user} → {self.academy}"


class SignInEvent(models.Model):
    """The security log: every sign-in attempt, kept as it happened (a success erases nothing).

    The throttle counts its failures per username and per address; the academy's security staff
    read it in the Django admin (permission `staff.view_signinevent`).
    """

    class Kind(models.TextChoices):
        SUCCESS = "success", "connexion réussie"
        FAILURE = "failure", "échec (identifiant ou mot de passe)"
        THROTTLED = "throttled", "refusée : attente imposée"
        OTP_FAILURE = "otp_failure", "échec du second facteur"
        OTP_SUCCESS = "otp_success", "second facteur validé"
        DIRECTORY_DOWN = "directory_down", "annuaire injoignable"

    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Lower-cased as typed (the throttle's key), in clear for the security staff.
    username = models.CharField(max_length=150)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField("page", max_length=200, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "événement de connexion"
        verbose_name_plural = "journal de sécurité des connexions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["username", "created_at"], name="signin_username_time"),
            models.Index(fields=["ip_address", "created_at"], name="signin_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username} ({self.ip_address})"


class StaffAccount(models.Model):
    """What sign-in needs to know about a staff user beyond Django's User."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_account")
    # A password issued by IT (create_school_user) must be replaced at the first sign-in.
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "compte du personnel"
        verbose_name_plural = "comptes du personnel"

    def __str__(self) -> str:
        return str(self.user)


class StaffSession(models.Model):
    """A signed-in session of a staff user: lets him see and close his other sessions."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "session ouverte"
        verbose_name_plural = "sessions ouvertes"
        indexes = [models.Index(fields=["user", "created_at"], name="staffsession_user_time")]

    def __str__(self) -> str:
        return f"{self.user} depuis {self.created_at:%Y-%m-%d %H:%M}"


class RecoveryCode(models.Model):
    """A one-time recovery code of the second factor: only its SHA-256 is kept (shown once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "code de secours"
        verbose_name_plural = "codes de secours"
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="recoverycode_unique_user_hash")]

    def __str__(self) -> str:
        return f"code de secours de {self.user}"


class SealedTOTPDevice(TOTPDevice):
    """A staff user's authenticator app: django-otp's TOTP device with its secret sealed at rest.

    Same table as django-otp's model (a proxy); its `key` column holds the secret sealed with
    OTP_ENCRYPTION_KEYS (staff.security.totp_keys), never the hex django-otp writes. A new
    device's random key is sealed before the first INSERT; django-otp reads the secret only
    through `bin_key` (verifying a code, the provisioning URI of the QR code), which opens it.
    Every code path of ours goes through this model, never through `TOTPDevice`.
    """

    class Meta:
        proxy = True
        verbose_name = "application d'authentification"
        verbose_name_plural = "applications d'authentification (second facteur)"

    @property
    def bin_key(self) -> bytes:
        return totp_keys.totp_key_open(self.key, user_id=self.user_id)

    @classmethod
    def from_db(cls, db, field_names, values):
        device = super().from_db(db, field_names, values)
        device._key_loaded = device.__dict__.get("key")
        return device

    def save(self, *args, **kwargs):
        if not totp_keys.is_sealed(self.key):
            self.key = totp_keys.totp_key_seal(unhexlify(self.key), user_id=self.user_id)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "key"}
        elif kwargs.get("update_fields") is None and self.key == getattr(self, "_key_loaded", None):
            # django-otp saves the whole row after each code (its counters): the key read before
            # must not overwrite the one `totp_rotate_key` may have re-sealed meanwhile.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "key"
            ]
        super().save(*args, **kwargs)

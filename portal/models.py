"""The families' side (Scolarité services). These tables live in the téléservices database.

Only `portal/` creates accounts. No portal screen exists yet: the families' portal issue
builds them, and the admin side will read account facts through functions of `portal/`,
never these tables (an import-linter contract in `.importlinter` forbids it).
"""

from django.db import models


class Account(models.Model):
    """A families' internet account: a guardian's (several codes attached) or a student's."""

    class Kind(models.TextChoices):
        GUARDIAN = "R", "Responsable"
        STUDENT = "E", "Élève"

    class State(models.TextChoices):
        PROVISIONAL = "P", "Provisoire"
        VALIDATED = "V", "Validé"

    login = models.CharField("identifiant", max_length=60, unique=True)
    email = models.EmailField("courriel", blank=True)
    password = models.CharField("mot de passe", max_length=200)
    kind = models.CharField("type", max_length=1, choices=Kind.choices)
    state = models.CharField("état", max_length=1, choices=State.choices, default=State.PROVISIONAL)
    must_change_password = models.BooleanField("doit changer son mot de passe", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    last_login = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "compte téléservices"

    def __str__(self) -> str:
        return self.login

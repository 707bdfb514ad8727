"""Who may act on which school: school memberships and academy-wide staff."""

from django.conf import settings
from django.db import models

from siecle.models import Academy, School


class SchoolMembership(models.Model):
    """A staff user (school head, deputy) who manages one school. A user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement à un établissement"
        constraints = [models.UniqueConstraint(fields=["user", "school"], name="membership_unique_user_school")]

    def __str__(self) -> str:
        return f"{self.user} → {self.school}"


class AcademyMembership(models.Model):
    """Academy IT staff: they see every school of the academy."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="academy_memberships")
    academy = models.ForeignKey(Academy, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rattachement à une académie"
        constraints = [models.UniqueConstraint(fields=["user", "academy"], name="membership_unique_user_academy")]

    def __str__(self) -> str:
        return f"{self.user} → {self.academy}"

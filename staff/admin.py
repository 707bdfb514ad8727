from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsadmin.admin_base import ReadOnlyAdmin

from .forms import AdminLoginForm
from .models import AcademyMembership, SchoolMembership, SealedTOTPDevice, SignInEvent
from .security.second_factor import second_factor_reset

# The admin's sign-in goes through the same throttle and security log as the site's.
admin.site.login_form = AdminLoginForm


@admin.register(SchoolMembership)
class SchoolMembershipAdmin(admin.ModelAdmin):
    """Who works on which school, and his role there (staff/roles.py)."""

    list_display = ["user", "school", "role", "source", "created_at"]
    list_filter = ["role", "source"]
    list_editable = ["role"]
    search_fields = ["user__username", "school__uaj"]
    raw_id_fields = ["user", "school"]
    fields = ["user", "school", "role", "source"]


@admin.register(AcademyMembership)
class AcademyMembershipAdmin(admin.ModelAdmin):
    """The academy's IT staff: read-only in the schools unless `can_write` is ticked."""

    list_display = ["user", "academy", "can_write", "created_at"]
    list_filter = ["can_write"]
    list_editable = ["can_write"]
    raw_id_fields = ["user"]
    fields = ["user", "academy", "can_write"]


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    """The security log, read-only: the academy's security staff need `staff.view_signinevent`."""

    list_display = ["created_at", "kind", "username", "ip_address", "path"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=username", "=ip_address"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) of a big log on every page


# django-otp's own page of TOTP devices shows the key when adding one, and offers a QR code page:
# replaced by the read-only page below, which never shows a secret (it is sealed at rest anyway).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(SealedTOTPDevice)
class SealedTOTPDeviceAdmin(ReadOnlyAdmin):
    """Who enrolled an authenticator app, and when it was last used: never its secret.

    Read-only: a device is enrolled by its user on the site; a lost one is reset with the users'
    action "Réinitialiser le second facteur" (which also forgets the recovery codes and ends the
    sessions), not deleted here.
    """

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["=user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


class StaffUserAdmin(UserAdmin):
    actions = ["reset_second_factor"]

    @admin.action(description="Réinitialiser le second facteur (nouvel enrôlement à la prochaine connexion)")
    def reset_second_factor(self, request, queryset):
        if not request.user.has_perm("auth.change_user"):
            raise PermissionDenied
        for user in queryset[:100]:
            second_factor_reset(user=user)
        self.message_user(request, f"Second facteur réinitialisé pour {min(queryset.count(), 100)} compte(s).")


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)

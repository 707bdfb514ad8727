from django.contrib import admin

from .forms import AdminLoginForm
from .models import AcademyMembership, SchoolMembership, SignInEvent

# The admin's sign-in goes through the same throttle and security log as the site's.
admin.site.login_form = AdminLoginForm


@admin.register(SchoolMembership)
class SchoolMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "created_at"]
    search_fields = ["user__username", "school__uaj"]
    raw_id_fields = ["user", "school"]


@admin.register(AcademyMembership)
class AcademyMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "academy", "created_at"]
    raw_id_fields = ["user"]


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The security log, read-only: the academy's security staff need `staff.view_signinevent`."""

    list_display = ["created_at", "kind", "username", "ip_address", "path"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=username", "=ip_address"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) of a big log on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

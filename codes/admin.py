from django.contrib import admin

from .models import AccessRefusal, ActivationCode, CodeEvent


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    """Read-only: codes change only through the services, which write the history."""

    list_display = ["display", "kind", "school", "student", "is_valid", "notified_at", "used_at"]
    list_filter = ["kind", "is_valid"]
    search_fields = ["value", "school__uaj", "student__last_name"]
    raw_id_fields = ["school", "student", "link"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessRefusal)
class AccessRefusalAdmin(admin.ModelAdmin):
    list_display = ["kind", "school", "student", "link", "recorded_at"]
    list_filter = ["kind"]
    raw_id_fields = ["school", "student", "link", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CodeEvent)
class CodeEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "event", "mode", "school", "student", "link", "by"]
    list_filter = ["kind", "event"]
    raw_id_fields = ["school", "student", "link", "code", "by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

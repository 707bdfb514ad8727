from django.contrib import admin

from .models import AccessRefusal, ActivationCode, CodeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Codes, refusals and history change only through the services, which write the history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyAdmin):
    list_display = ["display", "kind", "school", "student", "is_valid", "notified_at", "used_at"]
    list_filter = ["kind", "is_valid"]
    search_fields = ["value", "school__uaj", "student__last_name"]
    raw_id_fields = ["school", "student", "link"]
    show_full_result_count = False


@admin.register(AccessRefusal)
class AccessRefusalAdmin(ReadOnlyAdmin):
    list_display = ["kind", "school", "student", "link", "recorded_at"]
    list_filter = ["kind"]
    raw_id_fields = ["school", "student", "link", "recorded_by"]


@admin.register(CodeEvent)
class CodeEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "event", "mode", "school", "student", "link", "by"]
    list_filter = ["kind", "event"]
    raw_id_fields = ["school", "student", "link", "code", "by"]
    show_full_result_count = False

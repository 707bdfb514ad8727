from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read only: messages change through the sending tasks; the body (it holds codes) is never stored."""

    list_display = ["created_at", "school", "recipient", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state"]
    search_fields = ["school__uaj", "recipient", "batch"]
    raw_id_fields = ["school", "guardian", "created_by"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from tsadmin.admin_base import ReadOnlyAdmin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read only: messages change through the sending tasks; the body (it holds codes) is never stored."""

    list_display = ["created_at", "school", "recipient", "state", "attempts", "sent_at", "last_error"]
    list_filter = ["state"]
    search_fields = ["school__uaj", "recipient", "batch"]
    raw_id_fields = ["school", "guardian", "created_by"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    show_full_result_count = False

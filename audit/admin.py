from django.contrib import admin

from tsadmin.admin_base import ReadOnlyAdmin

from .models import ReadEvent


@admin.register(ReadEvent)
class ReadEventAdmin(ReadOnlyAdmin):
    """The journal of reads, read-only (permission `audit.view_readevent`)."""

    list_display = ["created_at", "username", "school", "kind", "what", "object_id", "rows", "ip_address"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=username", "=ip_address", "=school__uaj"]
    date_hierarchy = "created_at"
    list_select_related = ["school"]
    show_full_result_count = False  # no COUNT(*) of a big journal on every page

from django.contrib import admin

from .models import ReadEvent


@admin.register(ReadEvent)
class ReadEventAdmin(admin.ModelAdmin):
    """The journal of reads, read-only (permission `audit.view_readevent`)."""

    list_display = ["created_at", "username", "school", "kind", "what", "object_id", "rows", "ip_address"]
    list_filter = ["kind", "created_at"]
    search_fields = ["=username", "=ip_address", "=school__uaj"]
    date_hierarchy = "created_at"
    list_select_related = ["school"]
    show_full_result_count = False  # no COUNT(*) of a big journal on every page

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin

from .models import Run


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    """The run log: written by the runs only, read here."""

    list_display = ["started_at", "finished_at", "status", "full", "uaj", "origin", "journal_rows", "changed"]
    list_filter = ["status", "full", "origin"]
    readonly_fields = [f.name for f in Run._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

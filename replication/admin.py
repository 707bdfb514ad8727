from django.contrib import admin

from tsadmin.admin_base import ReadOnlyAdmin

from .models import Run


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    """The run log: written by the runs only, read here."""

    list_display = ["started_at", "finished_at", "status", "full", "uaj", "origin", "journal_rows", "changed"]
    list_filter = ["status", "full", "origin"]
    readonly_fields = [f.name for f in Run._meta.fields]
    show_full_result_count = False

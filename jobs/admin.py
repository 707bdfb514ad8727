from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "school", "kind", "state", "done", "total", "message"]
    list_filter = ["kind", "state"]
    search_fields = ["school__uaj", "message"]
    readonly_fields = [f.name for f in Job._meta.fields]

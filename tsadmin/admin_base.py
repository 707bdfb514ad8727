"""What the Django admin pages of several apps share."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model the admin shows and never adds, changes or deletes: its rows change only through
    the services or imports that keep their history and the families' side in step (each
    subclass says which)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

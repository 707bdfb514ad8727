from django.contrib import admin

from siecle.admin import AcademyAdmin
from siecle.models import Academy

from .models import NotesPublicationDate, SchoolSettings, ServiceState, SettingChange
from .services import academy_welcome_messages_reclean


class ReadOnlyAdmin(admin.ModelAdmin):
    """Settings change only through the screens' services, which write the history: read here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a service state or a publication date would change what families see
        # without a history row: settings are never deleted here either.
        return False


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(ReadOnlyAdmin):
    list_display = ["school", "activated_at", "letter_type", "notes_mode", "lpc_delay_days", "contact_active"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "school__name"]
    raw_id_fields = ["school", "activated_by", "letter_ent"]


@admin.register(ServiceState)
class ServiceStateAdmin(ReadOnlyAdmin):
    list_display = ["school", "service", "is_open", "updated_at"]
    list_filter = ["service", "is_open"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "school__name"]
    raw_id_fields = ["school"]


@admin.register(NotesPublicationDate)
class NotesPublicationDateAdmin(ReadOnlyAdmin):
    list_display = ["school", "mef", "division", "date"]
    list_select_related = ["school", "mef", "division"]
    search_fields = ["school__uaj"]
    raw_id_fields = ["school", "mef", "division"]


@admin.register(SettingChange)
class SettingChangeAdmin(ReadOnlyAdmin):
    """The history is evidence: it is read here, never edited."""

    list_display = ["changed_at", "school", "setting", "old_value", "new_value", "changed_by_name"]
    list_filter = ["setting"]
    list_select_related = ["school"]
    search_fields = ["school__uaj", "changed_by_name"]


# The academy's form (siecle.admin) also holds the allow-list of the welcome messages' link
# domains (B3): once it is saved, every message of the academy is cleaned again with it, in the
# same transaction, so no school keeps a link to a site the academy no longer accepts.
admin.site.unregister(Academy)


@admin.register(Academy)
class AcademyWithWelcomeDomainsAdmin(AcademyAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "welcome_link_domains" in form.changed_data:
            cleaned = academy_welcome_messages_reclean(academy=obj, by=request.user)
            if cleaned:
                self.message_user(
                    request,
                    f"{cleaned} message(s) d'accueil nettoyé(s) : leurs liens vers des sites "
                    "qui ne sont plus autorisés ont été retirés.",
                )

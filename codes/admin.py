from django.contrib import admin

from tsadmin.admin_base import ReadOnlyAdmin as BaseReadOnlyAdmin

from . import sealing, values
from .models import AccessRefusal, ActivationCode, CodeEvent


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """Codes, refusals and history change only through the services, which write the history."""


@admin.register(ActivationCode)
class ActivationCodeAdmin(ReadOnlyAdmin):
    """No code value here, in a list, a form or a search (docs/codes-at-rest.md).

    A code typed in the search box is found through its lookup hash (an exact match), never by
    reading values; the sealed and hashed columns are not shown.
    """

    list_display = ["__str__", "kind", "school", "student", "is_valid", "notified_at", "used_at"]
    list_filter = ["kind", "is_valid"]
    search_fields = ["school__uaj", "student__last_name"]
    search_help_text = "UAJ, nom de l'élève, ou un code d'activation complet (recherche exacte)."
    raw_id_fields = ["school", "student", "link"]
    exclude = ["value_sealed", "value_lookup"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if values.is_well_formed(search_term):
            found |= queryset.filter(value_lookup=sealing.lookup(search_term))
        return found, may_have_duplicates


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

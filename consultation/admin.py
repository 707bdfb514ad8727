"""The consultation data in the Django admin: read-only lists, filtered by school, searched by name.

The rows come from `seed_demo` and `manage.py import_consultation`; the replication publishes
them by rule. Edited or deleted by hand here, they would skip the import's checks: the admin
reads them only (no add, no change, no delete, so no mass-delete action either).
"""

from django.contrib import admin

from siecle.admin import SiecleReadOnlyAdmin

from .models import Absence, B2iValidation, CompetenceValidation, Evaluation, Mark

STUDENT_SEARCH = ["student__search_name", "student__last_name", "student__first_name", "student__siecle_id"]


class ConsultationAdmin(SiecleReadOnlyAdmin):
    list_filter = ["school"]
    show_full_result_count = False  # a count of millions of marks on every page is not worth it
    list_per_page = 50


@admin.register(Absence)
class AbsenceAdmin(ConsultationAdmin):
    list_display = ["student", "date", "half_day", "state", "reason", "school"]
    list_filter = ["school", "state"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH
    date_hierarchy = "date"


@admin.register(Evaluation)
class EvaluationAdmin(ConsultationAdmin):
    list_display = ["ref", "division", "subject", "label", "evaluated_on", "coefficient", "scale", "publish_on"]
    list_select_related = ["division"]
    search_fields = ["ref", "subject", "label", "division__code"]


@admin.register(Mark)
class MarkAdmin(ConsultationAdmin):
    list_display = ["student", "evaluation", "status", "value", "school"]
    list_filter = ["school", "status"]
    list_select_related = ["student", "evaluation", "school"]
    search_fields = [*STUDENT_SEARCH, "evaluation__ref"]


@admin.register(CompetenceValidation)
class CompetenceValidationAdmin(ConsultationAdmin):
    list_display = ["student", "competence", "validated_on", "entered_on", "school"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH


@admin.register(B2iValidation)
class B2iValidationAdmin(ConsultationAdmin):
    list_display = ["student", "item", "domain", "validated_on", "school"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH

"""The consultation data in the Django admin: read-only lists, filtered by school, searched by name.

The rows come from `seed_demo` and `manage.py import_consultation`; the replication publishes
them by rule. Edited or deleted by hand here, they would skip the import's checks: the admin
reads them only (no add, no change, no delete, so no mass-delete action either).
"""

from django.contrib import admin

from siecle.admin import SiecleReadOnlyAdmin
from siecle.models import School

from .models import Absence, B2iValidation, CompetenceValidation, Evaluation, Mark

STUDENT_SEARCH = ["student__search_name", "student__last_name", "student__first_name", "student__siecle_id"]


class SchoolFilter(admin.SimpleListFilter):
    title = "établissement"
    parameter_name = "school"

    def lookups(self, request, model_admin):
        return [
            (str(pk), f"{uaj} {name}")
            for pk, uaj, name in School.objects.order_by("uaj").values_list("pk", "uaj", "name")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(school_id=value) if value and value.isdigit() else queryset


class ConsultationAdmin(SiecleReadOnlyAdmin):
    list_filter = [SchoolFilter]
    show_full_result_count = False  # a count of millions of marks on every page is not worth it
    list_per_page = 50

    @admin.display(description="élève", ordering="student__last_name")
    def student_name(self, obj):
        return str(obj.student)

    @admin.display(description="établissement", ordering="school__uaj")
    def school_uaj(self, obj):
        return obj.school.uaj


@admin.register(Absence)
class AbsenceAdmin(ConsultationAdmin):
    fields = readonly_fields = ["student_name", "school_uaj", "date", "half_day", "state", "reason"]
    list_display = ["student_name", "date", "half_day", "state", "reason", "school_uaj"]
    list_filter = [SchoolFilter, "state"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH
    date_hierarchy = "date"


@admin.register(Evaluation)
class EvaluationAdmin(ConsultationAdmin):
    fields = readonly_fields = [
        "ref",
        "school_uaj",
        "division_code",
        "subject",
        "label",
        "teacher",
        "evaluated_on",
        "coefficient",
        "scale",
        "publish_on",
    ]
    list_display = [
        "ref",
        "division_code",
        "subject",
        "label",
        "evaluated_on",
        "coefficient",
        "scale",
        "publish_on",
        "school_uaj",
    ]
    list_select_related = ["division", "school"]
    search_fields = ["ref", "subject", "label", "division__code"]

    @admin.display(description="division", ordering="division__code")
    def division_code(self, obj):
        return obj.division.code


@admin.register(Mark)
class MarkAdmin(ConsultationAdmin):
    fields = readonly_fields = ["student_name", "school_uaj", "evaluation_label", "status", "value"]
    list_display = ["student_name", "evaluation_label", "status", "value", "school_uaj"]
    list_filter = [SchoolFilter, "status"]
    list_select_related = ["student", "evaluation", "school"]
    search_fields = [*STUDENT_SEARCH, "evaluation__ref"]

    @admin.display(description="contrôle")
    def evaluation_label(self, obj):
        return str(obj.evaluation)


@admin.register(CompetenceValidation)
class CompetenceValidationAdmin(ConsultationAdmin):
    fields = readonly_fields = ["student_name", "school_uaj", "competence", "validated_on", "entered_on"]
    list_display = ["student_name", "competence", "validated_on", "entered_on", "school_uaj"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH


@admin.register(B2iValidation)
class B2iValidationAdmin(ConsultationAdmin):
    fields = readonly_fields = ["student_name", "school_uaj", "item", "domain", "validated_on"]
    list_display = ["student_name", "item", "domain", "validated_on", "school_uaj"]
    list_select_related = ["student", "school"]
    search_fields = STUDENT_SEARCH

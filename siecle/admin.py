from django.contrib import admin

from .models import Academy, Division, Ent, Guardian, GuardianLink, Mef, School, Student


class EntInline(admin.TabularInline):
    model = Ent
    extra = 0


@admin.register(Academy)
class AcademyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "teleservices_url"]
    inlines = [EntInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["uaj", "name", "city", "academy"]
    search_fields = ["uaj", "name", "city"]
    list_filter = ["academy"]


@admin.register(Mef)
class MefAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "school"]
    search_fields = ["code", "label", "school__uaj"]
    raw_id_fields = ["school"]


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "school"]
    search_fields = ["code", "school__uaj"]
    raw_id_fields = ["school"]


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "birth_date", "division", "school", "has_left"]
    search_fields = ["search_name", "ine", "siecle_id", "school__uaj"]
    list_select_related = ["division", "school"]
    raw_id_fields = ["school", "mef", "division"]
    show_full_result_count = False


@admin.register(Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "city", "school"]
    search_fields = ["last_name", "siecle_id", "school__uaj"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]
    show_full_result_count = False


@admin.register(GuardianLink)
class GuardianLinkAdmin(admin.ModelAdmin):
    list_display = ["student", "guardian", "legal_rank"]
    raw_id_fields = ["student", "guardian"]
    list_select_related = ["student", "guardian"]
    show_full_result_count = False

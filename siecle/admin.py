from django.contrib import admin
from django.db import models

from tsadmin.admin_base import ReadOnlyAdmin

from .models import Academy, Division, Ent, Guardian, GuardianLink, Mef, School, Student


class SiecleReadOnlyAdmin(ReadOnlyAdmin):
    """Students, guardians, their links, MEFs and divisions come from the SIECLE import, which
    keeps the codes and their history in step (a link losing its legal rank loses its CAR, a
    student moved elsewhere keeps his codes in his school). Edited here, they would skip all of
    that: the admin reads them only."""


# A URL typed without scheme is taken as https (Django 6's default, adopted now).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


class EntInline(admin.TabularInline):
    model = Ent
    extra = 0
    formfield_overrides = HTTPS_URLS


@admin.register(Academy)
class AcademyAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["code", "name", "teleservices_url"]
    inlines = [EntInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["uaj", "name", "city", "academy"]
    search_fields = ["uaj", "name", "city"]
    list_filter = ["academy"]


@admin.register(Mef)
class MefAdmin(SiecleReadOnlyAdmin):
    list_display = ["code", "label", "school"]
    search_fields = ["code", "label", "school__uaj"]
    raw_id_fields = ["school"]


@admin.register(Division)
class DivisionAdmin(SiecleReadOnlyAdmin):
    list_display = ["code", "label", "school"]
    search_fields = ["code", "school__uaj"]
    raw_id_fields = ["school"]


@admin.register(Student)
class StudentAdmin(SiecleReadOnlyAdmin):
    list_display = ["last_name", "first_name", "birth_date", "division", "school", "has_left"]
    search_fields = ["search_name", "ine", "siecle_id", "school__uaj"]
    list_select_related = ["division", "school"]
    raw_id_fields = ["school", "mef", "division"]
    show_full_result_count = False


@admin.register(Guardian)
class GuardianAdmin(SiecleReadOnlyAdmin):
    list_display = ["last_name", "first_name", "email", "city", "school"]
    search_fields = ["last_name", "siecle_id", "school__uaj"]
    list_select_related = ["school"]
    raw_id_fields = ["school"]
    show_full_result_count = False


@admin.register(GuardianLink)
class GuardianLinkAdmin(SiecleReadOnlyAdmin):
    list_display = ["student", "guardian", "legal_rank"]
    raw_id_fields = ["student", "guardian"]
    list_select_related = ["student", "guardian"]
    show_full_result_count = False

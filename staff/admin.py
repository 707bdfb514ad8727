from django.contrib import admin

from .models import AcademyMembership, SchoolMembership


@admin.register(SchoolMembership)
class SchoolMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "created_at"]
    search_fields = ["user__username", "school__uaj"]
    raw_id_fields = ["user", "school"]


@admin.register(AcademyMembership)
class AcademyMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "academy", "created_at"]
    raw_id_fields = ["user"]

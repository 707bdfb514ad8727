from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("<uuid:job_id>/", views.import_report, name="report"),
    path("<uuid:job_id>/appliquer/", views.import_apply, name="apply"),
    path("<uuid:job_id>/annuler/", views.import_cancel, name="cancel"),
]

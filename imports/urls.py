from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_page, name="import"),
    path("<uuid:job_id>/", views.import_report, name="report"),
]

from django.urls import path

from . import views

app_name = "cae"

urlpatterns = [
    path("gerer/", views.manage, name="manage"),
    path("gerer/<int:student_id>/", views.student, name="student"),
    path("gerer/<int:student_id>/compte/reinitialiser/", views.student_account_reset, name="student_account_reset"),
    path("gerer/<int:student_id>/<slug:action>/", views.student_action, name="student_action"),
    path("export/<slug:name>.csv", views.export, name="export"),
]

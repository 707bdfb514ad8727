from django.urls import path

from staff.views import coming_soon

from . import views

app_name = "cae"

urlpatterns = [
    path(
        "notifier/",
        coming_soon("Notifier en masse", "L'impression des codes d'activation des élèves (CAE)."),
        name="mass_notify",
    ),
    path("gerer/", views.manage, name="manage"),
    path("gerer/<int:student_id>/", views.student, name="student"),
    path("gerer/<int:student_id>/<slug:action>/", views.student_action, name="student_action"),
    path("export/<slug:name>.csv", views.export, name="export"),
]

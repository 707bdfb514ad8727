from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("eleves/", views.students, name="students"),
    path("responsables/", views.guardians, name="guardians"),
    path("export/<str:table>/", views.export, name="export"),
    path("academie/<str:code>/", views.academy, name="academy"),
    path("academie/<str:code>/export/<str:table>/", views.academy_export, name="academy_export"),
]

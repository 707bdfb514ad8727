from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.school_journal, name="school"),
    path("academie/", views.academy_choose, name="academy_choose"),
    path("academie/<str:code>/", views.academy_journal, name="academy"),
    path("academie/<str:code>/export.csv", views.academy_export, name="academy_export"),
]

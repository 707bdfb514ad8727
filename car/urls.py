from django.urls import path

from staff.views import coming_soon

from . import views

app_name = "car"

urlpatterns = [
    path("creer/", views.mass_create, name="mass_create"),
    path(
        "notifier/",
        coming_soon("Notifier en masse", "L'envoi des codes aux responsables par courriel ou par courrier."),
        name="mass_notify",
    ),
    path("gerer/", views.manage, name="manage"),
    path("gerer/<int:link_id>/", views.pair, name="pair"),
    path("gerer/<int:link_id>/<slug:action>/", views.pair_action, name="pair_action"),
    path("refus/", views.refusals, name="refusals"),
    path("export/<slug:name>.csv", views.export, name="export"),
]

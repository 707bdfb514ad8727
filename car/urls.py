from django.urls import path

from . import views

app_name = "car"

urlpatterns = [
    path("creer/", views.mass_create, name="mass_create"),
    path("gerer/", views.manage, name="manage"),
    path("gerer/<int:link_id>/", views.pair, name="pair"),
    path("gerer/<int:link_id>/compte/reinitialiser/", views.pair_account_reset, name="pair_account_reset"),
    path("gerer/<int:link_id>/<slug:action>/", views.pair_action, name="pair_action"),
    path("refus/", views.refusals, name="refusals"),
    path("export/<slug:name>.csv", views.export, name="export"),
]

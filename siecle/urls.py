from django.urls import path

from staff.views import coming_soon

app_name = "siecle"

urlpatterns = [
    path(
        "",
        coming_soon(
            "Import SIECLE", "Le dépôt des exports SIECLE (élèves, responsables, nomenclatures) de l'établissement."
        ),
        name="import",
    ),
]

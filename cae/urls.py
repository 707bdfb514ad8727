from django.urls import path

from staff.views import coming_soon

app_name = "cae"

urlpatterns = [
    path(
        "notifier/",
        coming_soon("Notifier en masse", "L'impression des codes d'activation des élèves (CAE)."),
        name="mass_notify",
    ),
    path(
        "gerer/",
        coming_soon("Gérer le code pour un élève", "La gestion individuelle des codes des élèves."),
        name="manage",
    ),
]

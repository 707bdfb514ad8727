from django.urls import path

from staff.views import coming_soon

app_name = "car"

urlpatterns = [
    path(
        "creer/",
        coming_soon(
            "Créer les codes en masse",
            "La création des codes d'activation des responsables (CAR) pour tout l'établissement, un MEF ou une division.",
        ),
        name="mass_create",
    ),
    path(
        "notifier/",
        coming_soon("Notifier en masse", "L'envoi des codes aux responsables par courriel ou par courrier."),
        name="mass_notify",
    ),
    path(
        "gerer/",
        coming_soon(
            "Gérer le code pour un (responsable, élève)", "La gestion individuelle des codes d'un responsable."
        ),
        name="manage",
    ),
]

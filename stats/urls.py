from django.urls import path

from staff.views import coming_soon

app_name = "stats"

urlpatterns = [
    path(
        "eleves/",
        coming_soon(
            "Synthèse codes élèves", "Le nombre d'élèves, de codes notifiés et de comptes créés, par MEF et division."
        ),
        name="students",
    ),
    path(
        "responsables/",
        coming_soon(
            "Synthèse codes responsables",
            "Le nombre de responsables, de codes notifiés et de comptes créés, par MEF et division.",
        ),
        name="guardians",
    ),
]

from django.urls import path

from staff.views import coming_soon

app_name = "services"

urlpatterns = [
    path(
        "ouverture/",
        coming_soon(
            "Ouverture / fermeture des téléservices",
            "Activer les téléservices, puis ouvrir ou fermer chaque service national (absences, LPC, notes, B2i).",
        ),
        name="opening",
    ),
    path(
        "parametrage/message-accueil/",
        coming_soon("Message d'accueil", "Le message de l'établissement affiché aux familles, avec son aperçu."),
        name="welcome_message",
    ),
    path(
        "parametrage/courrier/",
        coming_soon(
            "Courrier de notification", "Le type de courrier (téléservices, mixte ENT, ENT seul) et l'ENT associé."
        ),
        name="letter",
    ),
    path(
        "parametrage/notes/",
        coming_soon("Consultation des notes", "La publication des notes au fil de l'eau ou à échéance."),
        name="notes",
    ),
    path(
        "parametrage/absences/",
        coming_soon("Consultation des absences", "Les absences publiées aux familles."),
        name="absences",
    ),
    path(
        "parametrage/lpc/", coming_soon("Consultation du LPC", "Le délai de publication des compétences."), name="lpc"
    ),
    path(
        "parametrage/contact/",
        coming_soon("Lien de contact établissement", "L'adresse qui reçoit les messages des familles."),
        name="contact",
    ),
]

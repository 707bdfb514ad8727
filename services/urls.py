from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("ouverture/", views.opening, name="opening"),
    path("ouverture/activer/", views.activate, name="activate"),
    path("parametrage/message-accueil/", views.welcome_message, name="welcome_message"),
    path("parametrage/courrier/", views.letter, name="letter"),
    path("parametrage/notes/", views.notes, name="notes"),
    path("parametrage/notes/fil-de-l-eau/", views.notes_confirm, name="notes_confirm"),
    path("parametrage/absences/", views.absences, name="absences"),
    path("parametrage/lpc/", views.lpc, name="lpc"),
    path("parametrage/contact/", views.contact, name="contact"),
]

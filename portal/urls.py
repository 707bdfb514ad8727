from django.urls import include, path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("deconnexion/", views.sign_out, name="sign_out"),
    path("a-bientot/", views.signed_out, name="signed_out"),
    path("mot-de-passe/a-changer/", views.password_forced, name="password_forced"),
    path("compte/", include("portal.urls_account")),
]

from django.urls import include, path

from . import views, views_activation, views_password

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("deconnexion/", views.sign_out, name="sign_out"),
    path("a-bientot/", views.signed_out, name="signed_out"),
    path("mot-de-passe/a-changer/", views.password_forced, name="password_forced"),
    path("mot-de-passe/oublie/", views_password.password_forgotten, name="password_forgotten"),
    path("mot-de-passe/nouveau/<str:token>/", views_password.password_reset, name="password_reset"),
    # The letters' QR code opens <teleservices_url>activation/#code=<code> (notifications.content).
    path("activation/", views_activation.activation, name="activation"),
    path("activation/compte/", views_activation.activation_account, name="activation_account"),
    path("activation/valider/<str:token>/", views_activation.validate, name="validate"),
    path("activation/renvoyer/", views_activation.validation_resend, name="validation_resend"),
    path("rattacher/", views_activation.attach, name="attach"),
    path("compte/", include("portal.urls_account")),
]

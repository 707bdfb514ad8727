from django.urls import include, path

from . import views, views_activation, views_consultation, views_password

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
    # F4: one page per service and child; the home page links to `service-<code>` (portal.family).
    path("enfant/<int:student_id>/absences/", views_consultation.absences, name="service-absences"),
    path("enfant/<int:student_id>/notes/", views_consultation.notes, name="service-notes"),
    path("enfant/<int:student_id>/livret/", views_consultation.lpc, name="service-lpc"),
    path("enfant/<int:student_id>/livret/pdf/", views_consultation.lpc_download, name="lpc-pdf"),
    path("enfant/<int:student_id>/b2i/", views_consultation.b2i, name="service-b2i"),
]

"""F6 "Gérer son compte" and F5 "Contacter l'établissement", under /compte/ (names in the `portal` namespace)."""

from django.urls import path

from . import views_account

urlpatterns = [
    path("", views_account.account, name="account"),
    path("mot-de-passe/", views_account.password_change, name="account_password"),
    path("courriel/", views_account.email_change, name="account_email"),
    path("courriel/confirmer/<str:token>/", views_account.email_confirm, name="account_email_confirm"),
    path("contacter/<int:school_id>/", views_account.contact, name="contact"),
]

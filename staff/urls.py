from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_2fa, views_account

app_name = "staff"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("connexion/second-facteur/", views_2fa.second_factor, name="second_factor"),
    path("connexion/second-facteur/activation/", views_2fa.second_factor_enrol, name="second_factor_enrol"),
    path("compte/mot-de-passe/", views_account.password_change, name="password_change"),
    path("compte/sessions/", views_account.sessions, name="sessions"),
    path("compte/sessions/fermer-les-autres/", views_account.sessions_close_others, name="sessions_close_others"),
    path("portail/", views.portal, name="portal"),
    path("etablissement/", views.choose_school, name="choose_school"),
    path("aide/", views.help_page, name="help"),
    path("edition/", views.edition, name="edition"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("etablissement/", views.choose_school, name="choose_school"),
    path("aide/", views.help_page, name="help"),
    path("edition/", views.edition, name="edition"),
]

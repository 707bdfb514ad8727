"""The site's home page ("home"): the staff land on the state of their school's téléservices (B1)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
]

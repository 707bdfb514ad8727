from django.urls import path

from . import views

app_name = "replication"

urlpatterns = [
    path("", views.runs, name="runs"),
]

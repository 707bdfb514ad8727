"""The letters' URL (PAPER), included by `notifications/urls.py` inside the `notifications` namespace."""

from django.urls import path

from . import views_letters

urlpatterns = [
    path("courriers/<uuid:job_id>/pdf/", views_letters.letters_pdf, name="letters_pdf"),
]

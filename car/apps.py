from django.apps import AppConfig


class CarConfig(AppConfig):
    name = "car"
    verbose_name = "Accès des responsables (CAR)"

from django.apps import AppConfig


class CaeConfig(AppConfig):
    name = "cae"
    verbose_name = "Accès des élèves (CAE)"

from django.apps import AppConfig


class SiecleConfig(AppConfig):
    name = "siecle"
    verbose_name = "Base SIECLE"

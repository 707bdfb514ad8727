from django.apps import AppConfig


class CarConfig(AppConfig):
    name = "car"
    verbose_name = "Accès des responsables (CAR)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 — connects the SIECLE signals

from django.apps import AppConfig


class CaeConfig(AppConfig):
    name = "cae"
    verbose_name = "Accès des élèves (CAE)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 — connects the SIECLE signals

from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = "Personnels"

    def ready(self):
        from . import signals  # noqa: F401 — connects the security log's receivers

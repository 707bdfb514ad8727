from django.apps import AppConfig


class ReplicationConfig(AppConfig):
    name = "replication"
    verbose_name = "Réplication"

    def ready(self) -> None:
        # The targeted revocations (replication.receivers): connected once the apps are loaded.
        from . import receivers  # noqa: F401

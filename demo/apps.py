from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo academy: generated schools and families given a lived school year.

    The top layer: it may call every app's services, and nothing imports it.
    """

    name = "demo"
    verbose_name = "Démonstration"

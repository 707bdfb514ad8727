from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "services"
    verbose_name = "Gestion des téléservices"

    def ready(self):
        from staff.portal import register_school_notice

        from .selectors import teleservices_activated

        def first_visit(school) -> str:
            # B1: the same state as the home page's first-visit screen, on the applications portal.
            if teleservices_activated(school=school):
                return ""
            return f"Les téléservices de {school.name} ne sont pas encore activés : ouvrez TS Admin pour les activer."

        register_school_notice(first_visit)

from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Vultr panel"

    def ready(self):
        # Load the Celery app whenever Django starts, so that @shared_task binds to it.
        from panel import celery, checks  # noqa: F401

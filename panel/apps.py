from django.apps import AppConfig


class PanelConfig(AppConfig):
    """The project itself: its system checks, the local run and the simulator commands.

    The domains are apps of their own inside this package: panel.audit, panel.budget,
    panel.operations and panel.servers (README, "Layout").
    """

    name = "panel"
    verbose_name = "Vultr panel"

    def ready(self):
        # Django asks for this import here: the Celery app must exist whenever Django starts,
        # so that @shared_task binds to it, and the checks register themselves on import.
        from panel import celery, checks  # noqa: F401

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "panel.operations"
    label = "operations"
    verbose_name = "Long operations"

    def ready(self) -> None:
        # The action layer asks this app, without importing it, whether a server is held.
        from panel.servers.actions import register_hold_finder

        from .holds import hold_of

        register_hold_finder(hold_of)

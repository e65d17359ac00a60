from django.apps import AppConfig


class ServersConfig(AppConfig):
    name = "panel.servers"
    label = "servers"
    verbose_name = "Vultr servers and resources"

    def ready(self):
        # Django asks for this import here: the action modules register their names with the
        # audit log (`@mutation`) when they load, and they need the models loaded first.
        from panel.servers import actions  # noqa: F401

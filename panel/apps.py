from django.apps import AppConfig


class PanelConfig(AppConfig):
    name = "panel"
    verbose_name = "Vultr panel"

    def ready(self):
        # Load the Celery app whenever Django starts, so that @shared_task binds to it.
        from panel import celery, checks  # noqa: F401

        # Audit entries for sign-in, sign-out, lockouts and team settings (signal receivers);
        # the audit log's daily task.
        from panel.audit import receivers, tasks  # noqa: F401

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "panel.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        # Django asks for this import here: signal receivers (sign-in, sign-out, lockouts, team
        # settings) connect when their module is imported, and models must be loaded first.
        from panel.audit import receivers  # noqa: F401

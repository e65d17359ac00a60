from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self):
        # Django asks for this import here: the receivers connect when their module is imported,
        # and they need the models loaded first.
        from accounts import signals  # noqa: F401

from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "panel.budget"
    label = "budget"
    verbose_name = "API budget"

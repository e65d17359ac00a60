"""The project's URLs: health, accounts, and each app's pages."""

from django.urls import include, path

from panel.audit import urls as audit_urls
from panel.health import healthz
from panel.servers import urls as servers_urls

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Sign-in, accounts, and teams under /t/<team>/ (accounts/urls.py).
    path("", include("accounts.urls")),
    # The Vultr pages (panel/servers/urls.py) and the audit log (panel/audit/urls.py) share the
    # namespace "panel" that templates and bookmarks have always used.
    path("", include((servers_urls.urlpatterns + audit_urls.urlpatterns, "panel"))),
    # Long operations: their live panels, the team's list, budgets, alerts.
    path("", include("panel.operations.urls")),
]

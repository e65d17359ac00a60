"""The project's URLs: health, accounts, and each app's pages."""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import redirect
from django.urls import include, path
from django.views.decorators.http import require_GET

from panel.audit import urls as audit_urls
from panel.health import healthz
from panel.servers import urls as servers_urls


@require_GET
def favicon(request):
    # Not permanent: the icon's hashed name changes with each release that changes it.
    return redirect(staticfiles_storage.url("favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Pages name the icon in a <link>; this is for what asks for /favicon.ico regardless
    # (feed readers, bookmarks, older browsers): no 404 in the log for it.
    path("favicon.ico", favicon, name="favicon"),
    # Sign-in, accounts, and teams under /t/<team>/ (accounts/urls.py).
    path("", include("accounts.urls")),
    # The Vultr pages (panel/servers/urls.py) and the audit log (panel/audit/urls.py) share the
    # namespace "panel" that templates and bookmarks have always used.
    path("", include((servers_urls.urlpatterns + audit_urls.urlpatterns, "panel"))),
    # Long operations: their live panels, the team's list, budgets, alerts.
    path("", include("panel.operations.urls")),
]

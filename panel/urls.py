from django.urls import include, path

from panel.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Sign-in, accounts, and teams under /t/<team>/ (accounts/urls.py).
    path("", include("accounts.urls")),
]

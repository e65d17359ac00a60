from django.urls import path

from panel.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
]

"""URLs of the audit log; included by panel/urls.py under the namespace "panel"."""

from django.urls import path

from panel.audit import views

# The team's audit log (panel/audit/views.py). A server's history is the log filtered to it:
# {% url 'panel:audit' team.slug %}?target_type=server&target_id={{ server.id }}
urlpatterns = [
    path("t/<slug:team>/audit/", views.audit_log, name="audit"),
    path("t/<slug:team>/audit/<int:entry_id>/", views.audit_entry, name="audit_entry"),
    path("t/<slug:team>/audit/export.<str:fmt>", views.audit_export, name="audit_export"),
    path("t/<slug:team>/audit/retention/", views.audit_retention, name="audit_retention"),
]

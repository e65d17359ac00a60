"""URLs of the operations pages (namespace "operations"); included by panel/urls.py.

Team pages live under ``t/<slug:team>/`` and are served by `team_view` (accounts.permissions);
notices belong to the user and the team they concern (shown on that team's pages).
"""

from django.urls import path

from panel.operations import views

app_name = "operations"

_ops = "t/<slug:team>/operations/"

urlpatterns = [
    path(_ops, views.operation_list, name="list"),
    path(_ops + "<int:operation_id>/", views.operation_detail, name="detail"),
    path(_ops + "<int:operation_id>/retry/", views.operation_retry, name="retry"),
    path(_ops + "<int:operation_id>/cancel/", views.operation_cancel, name="cancel"),
    path(_ops + "budget/", views.budget_page, name="budget"),
    path(_ops + "budget/<int:key_id>/", views.budget_set, name="budget_set"),
    path(_ops + "alerts/", views.alert_list, name="alerts"),
    path(_ops + "alerts/<int:alert_id>/delete/", views.alert_delete, name="alert_delete"),
    path(
        "t/<slug:team>/k/<int:key_id>/servers/<str:server_id>/operations/",
        views.server_operations,
        name="server",
    ),
    path(
        "t/<slug:team>/k/<int:key_id>/snapshots/operations/",
        views.key_snapshot_operations,
        name="snapshots",
    ),
    path("t/<slug:team>/notices/", views.notices, name="notices"),
    path("t/<slug:team>/notices/dismiss/", views.notices_dismiss_all, name="notices_dismiss_all"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
]

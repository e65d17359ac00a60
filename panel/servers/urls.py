"""URLs of the Vultr pages: servers, snapshots, SSH keys, scripts, deploy, billing, catalogue.

Included by panel/urls.py under the namespace "panel" (with the audit log's, panel/audit/urls.py),
the name every template and test reverses (``panel:server_list``).
"""

from django.urls import path

from panel.servers.views import (
    account,
    catalog,
    console,
    dashboard,
    deploy,
    scripts,
    server,
    servers,
    snapshots,
    sshkeys,
    team,
)

# The team's slug in every URL, and each Vultr resource under the API key (a key is a Vultr
# account) it belongs to.
_server = "t/<slug:team>/k/<int:key_id>/servers/<str:server_id>/"
urlpatterns = [
    path("t/<slug:team>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("t/<slug:team>/settings/safety/", team.team_safety, name="team_safety"),
    path("t/<slug:team>/servers/", servers.servers_home, name="servers_home"),
    path("t/<slug:team>/k/<int:key_id>/servers/", servers.server_list, name="server_list"),
    path(
        "t/<slug:team>/k/<int:key_id>/servers/badges/",
        servers.server_badges,
        name="server_badges",
    ),
    path("t/<slug:team>/k/<int:key_id>/servers/bulk/", servers.server_bulk, name="server_bulk"),
    path(_server, server.server_detail, name="server_detail"),
    path(_server + "power/<str:op>/", server.server_power, name="server_power"),
    path(_server + "console/", console.server_console, name="server_console"),
    path(_server + "password/", console.server_password, name="server_password"),
    path(_server + "ipv4/", server.server_ipv4, name="server_ipv4"),
    path(_server + "ipv4/add/", server.server_ipv4_add, name="server_ipv4_add"),
    path(_server + "ipv4/remove/", server.server_ipv4_remove, name="server_ipv4_remove"),
    path(_server + "ipv4/reverse/", server.server_ipv4_reverse, name="server_ipv4_reverse"),
    path(
        _server + "ipv4/reverse/default/",
        server.server_ipv4_reverse_default,
        name="server_ipv4_reverse_default",
    ),
    path(_server + "ipv6/", server.server_ipv6, name="server_ipv6"),
    path(_server + "ipv6/reverse/", server.server_ipv6_reverse, name="server_ipv6_reverse"),
    path(
        _server + "ipv6/reverse/delete/",
        server.server_ipv6_reverse_delete,
        name="server_ipv6_reverse_delete",
    ),
    path(_server + "bandwidth/", server.server_bandwidth, name="server_bandwidth"),
    path(_server + "images/", server.server_images, name="server_images"),
    path(_server + "images/snapshot/", server.server_snapshot, name="server_snapshot"),
    path(
        _server + "images/restore-snapshot/",
        server.server_restore,
        {"source": "snapshot"},
        name="server_restore_snapshot",
    ),
    path(
        _server + "images/restore-backup/",
        server.server_restore,
        {"source": "backup"},
        name="server_restore_backup",
    ),
    path(_server + "settings/", server.server_settings, name="server_settings"),
    path(_server + "settings/label/", server.server_label, name="server_label"),
    path(_server + "settings/reinstall/", server.server_reinstall, name="server_reinstall"),
    path(_server + "settings/os/", server.server_os, name="server_os"),
    path(_server + "settings/destroy/", server.server_destroy, name="server_destroy"),
]
# The account-wide pages of a key: deploy wizard, snapshots, SSH keys, startup scripts,
# billing and the catalogue.
_key = "t/<slug:team>/k/<int:key_id>/"
urlpatterns += [
    path(_key + "deploy/", deploy.deploy, name="deploy"),
    path(_key + "deploy/create/", deploy.deploy_create, name="deploy_create"),
    path(_key + "deploy/done/<str:server_id>/", deploy.deploy_done, name="deploy_done"),
    path(_key + "deploy/order/<str:order>/", deploy.deploy_order, name="deploy_order"),
    path(_key + "snapshots/", snapshots.snapshot_list, name="snapshot_list"),
    path(_key + "snapshots/take/", snapshots.snapshot_take, name="snapshot_take"),
    path(_key + "snapshots/<str:snapshot_id>/edit/", snapshots.snapshot_edit, name="snapshot_edit"),
    path(
        _key + "snapshots/<str:snapshot_id>/restore/",
        snapshots.snapshot_restore,
        name="snapshot_restore",
    ),
    path(
        _key + "snapshots/<str:snapshot_id>/delete/",
        snapshots.snapshot_delete,
        name="snapshot_delete",
    ),
    path(_key + "ssh-keys/", sshkeys.sshkey_list, name="sshkey_list"),
    path(_key + "ssh-keys/add/", sshkeys.sshkey_add, name="sshkey_add"),
    path(_key + "ssh-keys/<str:sshkey_id>/edit/", sshkeys.sshkey_edit, name="sshkey_edit"),
    path(_key + "ssh-keys/<str:sshkey_id>/delete/", sshkeys.sshkey_delete, name="sshkey_delete"),
    path(_key + "scripts/", scripts.script_list, name="script_list"),
    path(_key + "scripts/add/", scripts.script_add, name="script_add"),
    path(_key + "scripts/<str:script_id>/edit/", scripts.script_edit, name="script_edit"),
    path(_key + "scripts/<str:script_id>/delete/", scripts.script_delete, name="script_delete"),
    path(_key + "billing/", account.vultr_account, name="vultr_account"),
    path(_key + "catalog/", catalog.catalog, name="catalog"),
]

"""Who may see and change the account-wide items (SSH keys, startup scripts, snapshots): one
pattern of pages (panel/servers/views/resources.py), one set of tests, run for each kind.
`Kind` also serves test_resource_forms.py (how adding, editing and deleting one answers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from tests.panel.helpers import Demo, public_key, refusals, refused_times
from tests.panel.helpers import action_entries as _entries

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Kind:
    url: str  # URL names <url>_list, <url>_edit, <url>_delete; the demo's <url>_id(name)
    name: str  # the demo account's item these tests use: what to type to delete it
    add: str  # the URL name of the add (or take) form
    add_data: Callable[[Demo], dict[str, str]]
    edit_data: Callable[[], dict[str, str]] | None  # None: no edit page
    state: Callable[[Demo], Any]  # what Vultr has, to compare before and after
    on_page: tuple[str, ...]  # what a viewer sees on the list
    not_on_page: tuple[str, ...]  # buttons (and secrets) a viewer does not see
    # The v1 path group (/v1/<api>/create, .../update, .../destroy), the audit target type
    # and the action of a delete (destroy_<api>).
    api: str
    v2: str  # the v2 collection (POST creates), and its item route (PATCH, DELETE)
    v2_item: str
    refused: tuple[str, str]  # a 412 body Vultr sends for this kind, and what the page shows
    v2_refused: str  # the same as v2 sends it (a 400): the page shows it whole
    add_form_id: str  # the id of the add form, shown again with Vultr's words
    unknown_id: str  # a v1 id of the right shape that names nothing
    text: str = ""  # the field with the item's text (key, script), besides its name

    def item(self, demo: Demo) -> str:
        """The id of the demo account's item these tests use."""
        return getattr(demo, f"{self.url}_id")(self.name)

    @property
    def destroy(self) -> str:
        """The action (and audit entry) of a delete."""
        return f"destroy_{self.api}"

    def unchanged(self, demo: Demo) -> dict[str, str]:
        """The edit form as it is: the item's name and text as Vultr has them."""
        item = getattr(demo, self.url)(self.item(demo))
        return {"name": self.name, self.text: item[self.text]}

    def unknown(self, api_version: str) -> str:
        """An id of the right shape for `api_version` that names nothing."""
        return self.unknown_id if api_version == "v1" else UNKNOWN_UUID

    def url_kwargs(self, demo: Demo) -> dict[str, str]:
        return {f"{self.url}_id": self.item(demo)}


UNKNOWN_UUID = "cb676a46-66fd-4dfb-b839-443f2e6c0b60"


def _by_panel_id(demo: Demo, items: dict, kind: str) -> dict:
    """v1's listing (keyed by v1 ids) keyed by the ids the panel's key uses (v2: UUIDs)."""
    return {demo.vultr.panel_id(id, kind): item for id, item in items.items()}


KINDS = {
    "sshkeys": Kind(
        url="sshkey",
        name="laptop",
        add="sshkey_add",
        add_data=lambda demo: {"name": "mine", "ssh_key": public_key()},
        edit_data=lambda: {"name": "x", "ssh_key": public_key()},
        state=lambda demo: _by_panel_id(demo, demo.sshkeys(), "sshkey"),
        on_page=("laptop", "ci-deploy"),
        not_on_page=("Add the key", "Edit…", "Delete…"),
        api="sshkey",
        v2="/v2/ssh-keys",
        v2_item="/v2/ssh-keys/{ssh-key-id}",
        refused=(
            "Invalid SSH key.  The key must be in authorized_keys format",
            "Vultr refused: Invalid",
        ),
        v2_refused="Invalid ssh key: it must be in authorized_keys format.",
        add_form_id="form-sshkey",
        unknown_id="0000000000000",
        text="ssh_key",
    ),
    "scripts": Kind(
        url="script",
        name="install-docker",
        add="script_add",
        add_data=lambda demo: {"name": "mine", "type": "boot", "script": "echo hi"},
        edit_data=lambda: {"name": "x", "script": "echo"},
        state=lambda demo: _by_panel_id(demo, demo.scripts(), "startupscript"),
        on_page=("install-docker", "netboot"),
        not_on_page=("get.docker.com", "Add the script", "Edit…", "Delete…"),
        api="startupscript",
        v2="/v2/startup-scripts",
        v2_item="/v2/startup-scripts/{startup-id}",
        refused=(
            "Invalid startup script type.  Must be boot or pxe",
            "Vultr refused: Invalid startup",
        ),
        v2_refused="Invalid startup script type: must be boot or pxe.",
        add_form_id="form-script",
        unknown_id="999",
        text="script",
    ),
    "snapshots": Kind(
        url="snapshot",
        name="db-01 nightly",
        add="snapshot_take",
        add_data=lambda demo: {"server": demo.id("web-01")},
        edit_data=None,
        state=lambda demo: set(_by_panel_id(demo, demo.snapshots(), "snapshot")),
        on_page=("db-01 nightly",),
        not_on_page=("Take a snapshot", "Delete…"),
        api="snapshot",
        v2="/v2/snapshots",
        v2_item="/v2/snapshots/{snapshot-id}",
        refused=(
            "Unable to create snapshot: too many snapshots",
            "Vultr refused: Unable to create",
        ),
        v2_refused="Unable to create snapshot: too many snapshots",
        add_form_id="form-takesnapshot",
        unknown_id="0000000000000",
    ),
}


@pytest.fixture(params=list(KINDS))
def kind(request) -> Kind:
    return KINDS[request.param]


def test_it_sends_anonymous_visitors_to_login(login_as, url, demo, kind):
    client = login_as(None)
    item = kind.url_kwargs(demo)
    pages = [url(f"{kind.url}_list"), url(f"{kind.url}_delete", **item)]
    if kind.edit_data is not None:
        pages.append(url(f"{kind.url}_edit", **item))

    for target in pages:
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert client.post(url(kind.add)).status_code == 302


def test_it_hides_the_team_from_outsiders(members, login_as, url, demo, kind):
    client = login_as(members.outsider)
    item = kind.url_kwargs(demo)

    assert client.get(url(f"{kind.url}_list")).status_code == 404
    assert client.post(url(kind.add), kind.add_data(demo)).status_code == 404
    if kind.edit_data is not None:
        assert client.post(url(f"{kind.url}_edit", **item), {"name": "x"}).status_code == 404
    assert client.post(url(f"{kind.url}_delete", **item)).status_code == 404
    assert not _entries().exists()


def test_it_rejects_viewer(members, login_as, url, demo, kind):
    client = login_as(members.viewer)
    item = kind.url_kwargs(demo)
    before = kind.state(demo)

    responses = []
    if kind.edit_data is not None:
        responses.append(client.get(url(f"{kind.url}_edit", **item)))
    responses.append(client.get(url(f"{kind.url}_delete", **item)))
    responses.append(client.post(url(kind.add), kind.add_data(demo)))
    if kind.edit_data is not None:
        responses.append(client.post(url(f"{kind.url}_edit", **item), kind.edit_data()))
    responses.append(client.post(url(f"{kind.url}_delete", **item), {"confirm": kind.name}))

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert kind.state(demo) == before
    # Every refusal is on the record: the first in full, the rest of the minute as a count.
    refused = refusals(members.team)
    assert refused_times(refused) == len(responses)
    assert {entry.actor for entry in refused} == {members.viewer}


def test_a_viewer_sees_the_list_but_no_buttons(members, login_as, url, kind):
    page = login_as(members.viewer).get(url(f"{kind.url}_list")).content.decode()

    for shown in kind.on_page:
        assert shown in page
    for hidden in kind.not_on_page:
        assert hidden not in page

"""SSH keys stored at Vultr (for new installs): list, add, rename or replace, delete.

A key's text is checked as one authorized_keys line by the provider library's own checker
before anything is sent (panel/servers/forms/resources.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from panel.servers import actions
from panel.servers.forms.resources import DeleteSshKeyForm, SshKeyForm
from panel.vultr import SshKey

from . import resources
from .common import KeyPage

SSHKEYS = resources.Resource(
    noun="SSH key",
    plural="SSH keys",
    target_type="sshkey",
    folder="sshkeys",
    url="sshkey",
    items=actions.list_sshkeys,
    destroy=actions.destroy_sshkey,
    add_form=SshKeyForm,
    create=actions.create_sshkey,
    update=actions.update_sshkey,
    args=lambda data: (data["name"], data["ssh_key"]),
    rows=lambda keys: [(k, describe(k)) for k in keys],
    form_kwargs=lambda page: {"existing": lambda: _keys_in(page)},
)


def _keys_in(page: KeyPage) -> list[SshKey]:
    """The account's keys (from the read cache), to compare a new name and key with; none
    if Vultr cannot be asked now (Vultr itself then answers the add)."""
    try:
        return actions.list_sshkeys(page.ctx)
    except actions.ActionError:
        return []


def describe(sshkey: SshKey) -> dict[str, str]:
    """Type, SHA256 fingerprint (as `ssh-keygen -l` prints it) and comment of a key: the
    start of every ed25519 key looks the same, the fingerprint tells keys apart."""
    parts = sshkey.ssh_key.split(None, 2)
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, binascii.Error):
        fingerprint = ""
    else:
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        fingerprint = f"SHA256:{digest}"
    return {
        "type": parts[0] if parts else "",
        "fingerprint": fingerprint,
        "comment": parts[2] if len(parts) > 2 else "",
    }


sshkey_list = resources.list_view(SSHKEYS)
sshkey_add = resources.add_view(SSHKEYS)


def _edit_form(page: KeyPage, sshkey: SshKey) -> dict[str, Any]:
    """The edit form's arguments: rename and/or replace the key text (only what changed is
    sent)."""
    return {
        "existing": lambda: _keys_in(page),
        "explanation": "Servers installed earlier keep the key they got; the new text is "
        "installed on servers deployed from now on.",
    }


def _delete_explanation(page: KeyPage, sshkey: SshKey) -> str:
    return (
        f"The key {sshkey.name} is deleted at Vultr and can no longer be chosen for new "
        "servers. Servers that already have it keep it in their authorized_keys."
    )


sshkey_edit = resources.edit_view(SSHKEYS, SshKeyForm, _edit_form)
sshkey_delete = resources.delete_view(SSHKEYS, DeleteSshKeyForm, _delete_explanation)

"""Startup scripts stored at Vultr: list, add, edit, delete. `boot` scripts run on an
operating system's first boot, `pxe` scripts are iPXE scripts for custom installs.

A script may hold passwords (the audit log keeps only its length, panel/servers/actions/base.py), so
its text is shown only to members who may change scripts; the others see names and dates.
"""

from __future__ import annotations

from typing import Any

from panel.servers import actions
from panel.servers.forms.resources import DeleteScriptForm, ScriptForm
from panel.vultr import StartupScript

from . import resources
from .common import KeyPage

SCRIPTS = resources.Resource(
    noun="startup script",
    plural="Startup scripts",
    target_type="startupscript",
    folder="scripts",
    url="script",
    items=actions.list_startupscripts,
    destroy=actions.destroy_startupscript,
    add_form=ScriptForm,
    create=actions.create_startupscript,
    update=actions.update_startupscript,
    args=lambda data: (data["name"], data["script"], data["type"]),
)

script_list = resources.list_view(SCRIPTS)
script_add = resources.add_view(SCRIPTS)


def _edit_form(page: KeyPage, script: StartupScript) -> dict[str, Any]:
    """The edit form's arguments: rename and/or rewrite a script (only what changed is sent)."""
    # API v2 changes a script's type; v1 cannot (v2 reference §2, v1 reference §7).
    retype = page.api_key.api_version == "v2"
    type_note = "" if retype else "; Vultr cannot change a script's type"
    return {
        "retype": retype,
        "explanation": f"A {script.type.value} script. Servers that already ran it are not "
        f"affected{type_note}.",
    }


def _delete_explanation(page: KeyPage, script: StartupScript) -> str:
    return (
        f"The {script.type.value} script {script.name} and its text are deleted at Vultr "
        "for good and can no longer be chosen for new servers. Servers that already ran "
        "it are not changed."
    )


script_edit = resources.edit_view(SCRIPTS, ScriptForm, _edit_form)
script_delete = resources.delete_view(SCRIPTS, DeleteScriptForm, _delete_explanation)

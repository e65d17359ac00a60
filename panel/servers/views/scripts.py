"""Startup scripts stored at Vultr: list, add, edit, delete. `boot` scripts run on an
operating system's first boot, `pxe` scripts are iPXE scripts for custom installs.

A script may hold passwords (the audit log keeps only its length, panel/servers/actions/base.py), so
its text is shown only to members who may change scripts; the others see names and dates.
"""

from __future__ import annotations

from panel.servers import actions
from panel.servers.forms.resources import DeleteScriptForm, ScriptForm

from . import resources
from .common import (
    acts,
    key_page,
    require_reason,
    vultr_page,
)

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
    args=lambda data: (data["name"], data["script"], data["type"]),
)

script_list = resources.list_view(SCRIPTS)
script_add = resources.add_view(SCRIPTS)


@acts(actions.update_startupscript, target="startupscript")
@vultr_page
def script_edit(request, key_id, script_id):
    """Rename and/or rewrite a script; only what changed is sent."""
    page = key_page(request, key_id)
    script = resources.find(page, SCRIPTS, script_id)
    # API v2 changes a script's type; v1 cannot (v2 reference §2, v1 reference §7).
    retype = page.api_key.api_version == "v2"
    type_note = "" if retype else "; Vultr cannot change a script's type"
    form = ScriptForm(
        request.POST if request.method == "POST" else None,
        action=page.url("script_edit", script_id=script.id),
        current=script,
        retype=retype,
        explanation=f"A {script.type.value} script. Servers that already ran it are not "
        f"affected{type_note}.",
    )
    return resources.edit(request, page, SCRIPTS, script, form, actions.update_startupscript)


@acts(actions.destroy_startupscript, target="startupscript")
@vultr_page
def script_delete(request, key_id, script_id):
    page = key_page(request, key_id)
    script = resources.find(page, SCRIPTS, script_id)
    form = DeleteScriptForm(
        request.POST if request.method == "POST" else None,
        action=page.url("script_delete", script_id=script.id),
        explanation=(
            f"The {script.type.value} script {script.name} and its text are deleted at Vultr "
            "for good and can no longer be chosen for new servers. Servers that already ran "
            "it are not changed."
        ),
        expected=script.name or script.id,
        require_reason=require_reason(request),
    )
    return resources.delete(request, page, SCRIPTS, script, form)

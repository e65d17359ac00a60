"""The startup scripts page: list, add (boot or pxe), edit, delete by typing the name. Against
the simulator."""

from __future__ import annotations

import pytest

from tests.panel.helpers import HTMX
from tests.panel.helpers import action_entries as _entries
from tests.panel.helpers import text as _text

pytestmark = pytest.mark.django_db

DOCKER = "#!/bin/bash\ncurl -fsSL https://get.docker.com | sh\n"


# -- list and add ----------------------------------------------------------------------------


def test_it_lists_the_scripts_with_their_type_and_text(operator, url, demo):
    page = _text(operator.get(url("script_list")))

    assert len(demo.scripts()) == 2
    for script_id, script in demo.scripts().items():
        assert f"/{demo.vultr.panel_id(script_id, 'startupscript')}/" in page  # v2: the UUID
        assert script["name"] in page
    assert '<span class="badge">boot</span>' in page
    assert '<span class="badge">pxe</span>' in page
    assert "https://get.docker.com" in page


@pytest.mark.parametrize("kind", ["boot", "pxe"])
def test_adding_a_script(operator, url, demo, kind):
    text = "#!/bin/sh\necho hello > /root/hello\n"

    response = operator.post(url("script_add"), {"name": "hello", "type": kind, "script": text})

    assert response.status_code == 302
    added = demo.script(demo.script_id("hello"))
    assert (added["type"], added["script"]) == (kind, text)
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id) == (
        "create_startupscript",
        "succeeded",
        demo.script_id("hello"),
    )
    assert "echo hello" not in str(entry.params)  # a script may hold passwords


def test_windows_line_ends_are_stored_as_unix_ones(operator, url, demo):
    operator.post(url("script_add"), {"name": "crlf", "type": "boot", "script": "a\r\nb\r\n"})

    assert demo.script(demo.script_id("crlf"))["script"] == "a\nb\n"


def test_an_empty_script_is_refused(operator, url, demo):
    before = demo.scripts()

    response = operator.post(url("script_add"), {"name": "empty", "type": "boot", "script": " "})

    assert "The script is empty." in _text(response)
    assert demo.scripts() == before


def test_an_unknown_type_is_refused(operator, url, demo):
    response = operator.post(url("script_add"), {"name": "x", "type": "cron", "script": "echo"})

    assert "Select a valid choice" in _text(response)
    assert not _entries().exists()


# -- edit ------------------------------------------------------------------------------------


def test_editing_the_text(operator, url, demo):
    docker = demo.script_id("install-docker")
    new_text = DOCKER + "systemctl enable --now docker\n"

    response = operator.post(
        url("script_edit", script_id=docker), {"name": "install-docker", "script": new_text}
    )

    assert response.status_code == 302
    assert demo.script(docker)["script"] == new_text
    entry = _entries().get()
    assert (entry.action, entry.target_label) == ("update_startupscript", "install-docker")
    assert list(entry.params) == ["script"]
    assert "systemctl" not in str(entry.params)


def test_renaming_keeps_the_text(operator, url, demo):
    docker = demo.script_id("install-docker")

    operator.post(url("script_edit", script_id=docker), {"name": "docker", "script": DOCKER})

    assert demo.script(docker)["name"] == "docker"
    assert demo.script(docker)["script"] == DOCKER
    assert _entries().get().params == {"name": "docker"}


# v1's startupscript/update takes a name and a script only (v1 reference §7).
@pytest.mark.parametrize("api_version", ["v1"])
def test_on_v1_the_edit_page_shows_the_script_but_not_the_type(operator, url, demo, api_version):
    page = _text(operator.get(url("script_edit", script_id=demo.script_id("install-docker"))))

    assert "https://get.docker.com" in page
    assert 'name="type"' not in page
    assert "Vultr cannot change a script&#x27;s type" in page


# v2 changes a script's type with the same PATCH (v2 reference §2); v1 cannot (above).
@pytest.mark.parametrize("api_version", ["v2"])
def test_on_v2_the_type_can_be_changed_too(operator, url, demo, api_version):
    netboot = demo.script_id("netboot")
    target = url("script_edit", script_id=netboot)
    page = _text(operator.get(target))
    assert '<option value="pxe" selected>' in page
    assert "cannot change a script" not in page
    text = demo.script(netboot)["script"]

    response = operator.post(target, {"name": "netboot", "type": "boot", "script": text})

    assert response.status_code == 302
    assert (demo.script(netboot)["type"], demo.script(netboot)["script"]) == ("boot", text)
    entry = _entries().get()
    assert (entry.action, entry.target_label, entry.params) == (
        "update_startupscript",
        "netboot",
        {"type": "boot"},
    )


def test_a_real_refusal_on_edit_is_shown_next_to_the_form(operator, url, demo, vultr, api_version):
    docker = demo.script_id("install-docker")
    operator.get(url("script_list"))
    # Deleted behind the panel's back: v1 answers 412, v2 404 (v2 reference §1.3).
    v1_id = vultr.sim.ids(vultr.key, docker, "startupscript")["v1"]
    assert vultr.post("startupscript/destroy", SCRIPTID=v1_id).status_code == 200
    said = {
        "v1": "Vultr refused: Invalid startup script.  Check SCRIPTID value",
        "v2": "Vultr refused: Invalid startup script ID",
    }[api_version]

    response = operator.post(
        url("script_edit", script_id=docker), {"name": "x", "script": "echo"}, headers=HTMX
    )

    assert response.status_code == 200
    assert said in _text(response)
    assert "x" not in {s["name"] for s in demo.scripts().values()}


# -- delete ----------------------------------------------------------------------------------


def test_the_delete_page_says_what_is_lost(operator, url, demo):
    page = _text(operator.get(url("script_delete", script_id=demo.script_id("netboot"))))

    assert "Type “netboot” to confirm" in page
    assert "pxe script netboot and its text are deleted" in page

"""The SSH keys page: list, add, rename, replace the key text, delete by typing the name; key
text checked as one authorized_keys line before Vultr is asked. Against the simulator."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.panel.helpers import HTMX, public_key
from tests.panel.helpers import action_entries as _entries
from tests.panel.helpers import text as _text

pytestmark = pytest.mark.django_db


# -- list and add ----------------------------------------------------------------------------


def test_it_lists_the_accounts_keys(operator, url, demo):
    page = _text(operator.get(url("sshkey_list")))

    assert len(demo.sshkeys()) == 2
    for sshkey_id, sshkey in demo.sshkeys().items():
        assert demo.vultr.panel_id(sshkey_id) in page  # v2: the UUID
        assert sshkey["name"] in page
        blob = base64.b64decode(sshkey["ssh_key"].split()[1])
        digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
        assert f"SHA256:{digest}" in page  # as ssh-keygen -l shows it
        assert sshkey["ssh_key"].split()[2] in page  # the comment


def test_adding_a_key(operator, url, demo):
    key = public_key("ann@laptop")

    response = operator.post(url("sshkey_add"), {"name": "ann", "ssh_key": key})

    assert response.status_code == 302
    assert demo.sshkey(demo.sshkey_id("ann"))["ssh_key"] == key
    entry = _entries().get()
    assert (entry.action, entry.outcome, entry.target_id) == (
        "create_sshkey",
        "succeeded",
        demo.sshkey_id("ann"),
    )


@pytest.mark.parametrize(
    "bad",
    [
        "not a key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE",  # cut short
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n",
        public_key() + "\n" + public_key(),  # two keys
    ],
    ids=["words", "truncated", "private", "two"],
)
def test_a_key_that_is_not_one_authorized_keys_line_is_refused_before_vultr(
    operator, url, demo, vultr, bad
):
    before = demo.sshkeys()
    calls = vultr.sim.stats()["by_key"].get(vultr.key, 0)

    response = operator.post(url("sshkey_add"), {"name": "bad", "ssh_key": bad}, headers=HTMX)

    page = _text(response)
    assert "This is not a public key" in page
    assert "authorized_keys format" in page
    assert demo.sshkeys() == before
    assert vultr.sim.stats()["by_key"].get(vultr.key, 0) - calls <= 1  # the demo read above
    assert not _entries().exists()


# -- rename and replace ----------------------------------------------------------------------


def test_renaming_sends_only_the_name(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    old_text = demo.sshkey(laptop)["ssh_key"]

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "alice-laptop", "ssh_key": old_text}
    )

    assert response.status_code == 302
    assert demo.sshkey(laptop)["name"] == "alice-laptop"
    assert demo.sshkey(laptop)["ssh_key"] == old_text
    entry = _entries().get()
    assert (entry.action, entry.target_label) == ("update_sshkey", "laptop")
    assert entry.params == {"name": "alice-laptop"}


def test_replacing_the_key_text(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    new_text = public_key("alice@new-laptop")

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "laptop", "ssh_key": new_text}
    )

    assert response.status_code == 302
    assert demo.sshkey(laptop)["ssh_key"] == new_text
    assert _entries().get().params == {"ssh_key": new_text}


def test_the_edit_page_shows_the_current_key(operator, url, demo):
    laptop = demo.sshkey_id("laptop")

    page = _text(operator.get(url("sshkey_edit", sshkey_id=laptop)))

    assert demo.sshkey(laptop)["ssh_key"] in page
    assert 'value="laptop"' in page


def test_a_bad_replacement_is_refused(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    before = demo.sshkey(laptop)

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "laptop", "ssh_key": "ssh-rsa nope"}
    )

    assert "This is not a public key" in _text(response)
    assert demo.sshkey(laptop) == before


def test_a_real_refusal_on_edit_is_shown_next_to_the_form(operator, url, demo, vultr, api_version):
    laptop = demo.sshkey_id("laptop")
    operator.get(url("sshkey_list"))
    # Deleted behind the panel's back: v1 answers 412, v2 404 (v2 reference §1.3, tf#371).
    assert vultr.post("sshkey/destroy", SSHKEYID=demo.vultr.v1_id(laptop)).status_code == 200
    said = {
        "v1": "Vultr refused: Invalid SSH key.  Check SSHKEYID value",
        "v2": "Vultr refused: Invalid ssh key.",
    }[api_version]

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "renamed", "ssh_key": public_key()}
    )

    assert response.status_code == 200
    assert said in _text(response)
    assert 'name="name"' in _text(response)  # the form, with what was typed
    assert demo.sshkeys() and "renamed" not in {k["name"] for k in demo.sshkeys().values()}


# -- the same name or the same key twice ---------------------------------------------------


@pytest.mark.parametrize("name", ["laptop", "Laptop "])
def test_a_name_already_in_the_account_is_refused(operator, url, demo, name):
    before = demo.sshkeys()

    response = operator.post(url("sshkey_add"), {"name": name, "ssh_key": public_key()})

    assert response.status_code == 200
    page = _text(response)
    assert "An SSH key named “laptop” is already in this account" in page
    assert 'id="form-sshkey"' in page  # next to the form, with what was typed
    assert demo.sshkeys() == before
    assert not _entries().exists()


def test_renaming_to_another_keys_name_is_refused(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    before = demo.sshkeys()

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop),
        {"name": "ci-deploy", "ssh_key": demo.sshkey(laptop)["ssh_key"]},
    )

    assert "An SSH key named “ci-deploy” is already in this account" in _text(response)
    assert demo.sshkeys() == before


def test_a_key_already_in_the_account_is_warned_about_and_can_be_added_anyway(operator, url, demo):
    laptop_text = demo.sshkey(demo.sshkey_id("laptop"))["ssh_key"]
    same_key = " ".join([*laptop_text.split()[:2], "alice@other-machine"])
    before = demo.sshkeys()

    response = operator.post(url("sshkey_add"), {"name": "alice", "ssh_key": same_key})

    page = _text(response)
    assert "This public key is already in this account, as “laptop”" in page
    assert 'type="checkbox" name="same_key_ok"' in page
    assert demo.sshkeys() == before
    assert not _entries().exists()

    response = operator.post(
        url("sshkey_add"), {"name": "alice", "ssh_key": same_key, "same_key_ok": "on"}
    )

    assert response.status_code == 302
    assert demo.sshkey(demo.sshkey_id("alice"))["ssh_key"] == same_key


def test_replacing_a_key_with_another_keys_text_is_warned_about(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    before = demo.sshkeys()
    ci_text = demo.sshkey(demo.sshkey_id("ci-deploy"))["ssh_key"]

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "laptop", "ssh_key": ci_text}
    )

    assert "This public key is already in this account, as “ci-deploy”" in _text(response)
    assert demo.sshkeys() == before


def test_a_new_comment_on_the_same_key_is_no_duplicate(operator, url, demo):
    laptop = demo.sshkey_id("laptop")
    new_text = " ".join([*demo.sshkey(laptop)["ssh_key"].split()[:2], "alice@renamed"])

    response = operator.post(
        url("sshkey_edit", sshkey_id=laptop), {"name": "laptop", "ssh_key": new_text}
    )

    assert response.status_code == 302
    assert demo.sshkey(laptop)["ssh_key"] == new_text


# -- delete ----------------------------------------------------------------------------------


def test_the_delete_page_says_what_is_lost(operator, url, demo):
    page = _text(operator.get(url("sshkey_delete", sshkey_id=demo.sshkey_id("laptop"))))

    assert "Type “laptop” to confirm" in page
    assert "Servers that already have it keep it" in page

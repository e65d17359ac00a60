"""Content-Security-Policy: every page the site serves (each URL pattern, signed in and not, as
a whole page and as an htmx fragment, error pages too) carries the strict policy, and its HTML
has nothing the policy would block: no inline script, no style element or attribute, no event
handler attribute."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


def _check(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy, where
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    if response.get("Content-Type", "").startswith("text/html"):
        html = response.content.decode()
        for what, pattern in INLINE.items():
            found = pattern.search(html)
            assert found is None, f"{where}: {what}: {found and found.group(0)}"


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_every_page_has_the_policy_and_nothing_inline(login_as, members, every_url, api_version):
    assert len(every_url) > 70
    for name, url in every_url:
        for who in (members.owner, None):
            client = login_as(who)
            _check(client.get(url), f"GET {name} as {who or 'anonymous'}")


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_htmx_fragments_have_the_policy_and_nothing_inline(
    login_as, members, every_url, api_version
):
    client = login_as(members.owner)
    targets = ["tab-panel", "wizard", "results", "snapshots", "sshkeys", "scripts"]
    for name, url in every_url:
        if name.startswith("panel:"):
            for target in targets:
                headers = {"HX-Request": "true", "HX-Target": target}
                _check(client.get(url, headers=headers), f"GET {name} for #{target}")


def test_forms_with_errors_have_nothing_inline(login_as, members, stored_key):
    client = login_as(members.operator)
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk}

    for name, data in [
        ("panel:sshkey_add", {"name": "x", "ssh_key": "nope"}),
        ("panel:script_add", {"name": "", "script": ""}),
        ("panel:deploy", {"state": "tampered", "step": "plan"}),
        ("panel:deploy_create", {"state": "tampered"}),
    ]:
        _check(client.post(reverse(name, kwargs=kwargs), data), f"POST {name}")


def test_error_pages_have_the_policy(login_as, members):
    client = login_as(members.outsider)

    _check(client.get("/no/such/page/"), "404")
    _check(client.get(f"/t/{members.team.slug}/"), "404 for an outsider")
    _check(login_as(members.viewer).get(f"/t/{members.team.slug}/members/"), "403")

"""Panel tests talk to the session's simulator; errors should show on the first try. And
`every_url`: every named URL of the site, for the tests that walk all pages."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.panel.helpers import Demo


@pytest.fixture(autouse=True)
def _no_retries(settings):
    # The provider library retries reads; a test that injects one fault wants to see it.
    settings.PANEL_VULTR_RETRIES = 0
    settings.PANEL_VULTR_TIMEOUT = 5


# GETs that would end the session the walk is using.
SKIP = {"accounts:logout", "accounts:logout_everywhere"}


def _named_patterns(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            yield from _named_patterns(pattern, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", list(pattern.pattern.converters)


@pytest.fixture
def every_url(members, stored_key, vultr):
    demo = Demo(vultr)
    owner = members.owner
    values = {
        "team": members.team.slug,
        "key_id": stored_key.pk,
        "server_id": demo.id("web-01"),
        "snapshot_id": demo.snapshot_id("db-01 nightly"),
        "sshkey_id": demo.sshkey_id("laptop"),
        "script_id": demo.script_id("install-docker"),
        "op": "reboot",
        "member_id": members.membership(members.viewer).pk,
        "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
        "token": default_token_generator.make_token(owner),
    }
    urls = []
    for name, args in _named_patterns():
        if name not in SKIP:
            urls.append((name, reverse(name, kwargs={a: values.get(a, 1) for a in args})))
    return urls

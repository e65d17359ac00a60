"""No page shows template syntax as text: Django's `{# ... #}` comments are one line only, and
a multi-line one is printed as it is (it was, on every server page). Longer comments use
`{% comment %}`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from panel.operations import start
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SYNTAX = re.compile(r"\{[#%]")


def test_every_comment_tag_closes_on_its_line():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert line.count("{#") == line.count("#}"), f"{path}:{number}: {line}"


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_no_rendered_page_contains_template_syntax(
    login_as, members, every_url, ctx_for, vultr, api_version
):
    # A running operation, so that the server's pages show their operations card too.
    start.start_reinstall_server(ctx_for(members.operator), Demo(vultr).id("web-01"))
    for name, url in every_url:
        for who in (members.owner, None):
            # The whole page, and the fragment HTMX swaps in when it polls or submits.
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = login_as(who).get(url, **headers)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                body = response.content.decode()
                where = f"GET {name} as {who or 'anonymous'} {'(fragment)' if headers else ''}"
                found = SYNTAX.search(body)
                assert found is None, f"{where}: {found.group(0)!r}"
                assert "Traceback" not in body and "technical_500" not in body, where

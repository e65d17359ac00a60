"""The review page: newest first, filters, keyset pages, one entry with its request group, a
server's history, the chain's head and last verification."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from panel.audit.models import AuditEntry
from panel.audit.queries import PAGE_SIZE
from panel.audit.verify import verify

pytestmark = pytest.mark.django_db


def log_url(members, **query) -> str:
    base = reverse("panel:audit", kwargs={"team": members.team.slug})
    if query:
        from urllib.parse import urlencode

        base += "?" + urlencode(query)
    return base


def shown(response) -> list[int]:
    """The ids of the entries listed, in order."""
    return [
        int(i) for i in re.findall(r'href="/t/[a-z0-9-]+/audit/(\d+)/"', response.content.decode())
    ]


@pytest.fixture
def auditor(login_as, members):
    return login_as(members.auditor)


def test_newest_first_with_who_what_on_what_and_outcome(auditor, members, chain):
    response = auditor.get(log_url(members))

    assert response.status_code == 200
    assert shown(response) == [e.pk for e in reversed(chain)]
    page = response.content.decode()
    assert "Destroy server" in page and "Unable to destroy server: too young" in page
    assert "oscar" in page and "web-01" in page and "“planned”" in page
    assert 'class="badge audit-denied"' in page


def test_the_page_shows_the_head_hash_and_the_last_verification(auditor, members, chain):
    page = auditor.get(log_url(members)).content.decode()
    assert chain[-1].hash in page and "not yet" in page

    verify(members.team.pk)

    page = auditor.get(log_url(members)).content.decode()
    assert "intact" in page and "5 entries verified." in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "olivia"}, [1]),
        ({"action": "destroy_server"}, [2]),
        ({"target_type": "team"}, [1]),
        ({"target_type": "server", "target_id": "41326859"}, [4, 3, 2, 0]),
        ({"outcome": "denied"}, [3]),
        ({"request_id": "req-0003"}, [2]),
        ({"q": "too young"}, [2]),
        ({"q": "PLANNED"}, [0]),
        ({"q": "require_reason"}, [1]),
        ({"q": "nothing-like-this"}, []),
    ],
)
def test_filters(auditor, members, chain, query, expected):
    response = auditor.get(log_url(members, **query))

    assert shown(response) == [chain[i].pk for i in expected]


def test_date_range_filter_in_utc_whole_days(auditor, members, chain):
    AuditEntry._base_manager.filter(pk=chain[0].pk).update(
        created_at=chain[0].created_at - timedelta(days=3)
    )
    day = chain[0].created_at.date()

    assert shown(auditor.get(log_url(members, since=day.isoformat()))) == [
        e.pk for e in reversed(chain[1:])
    ]
    assert shown(auditor.get(log_url(members, until=(day - timedelta(days=3)).isoformat()))) == [
        chain[0].pk
    ]
    response = auditor.get(log_url(members, since=day.isoformat(), until="2000-01-01"))
    assert "The date range ends before it starts." in response.content.decode()


def test_a_servers_history_link_form(auditor, members, chain, write):
    write(target=("server", "99999999", "db-01"))
    history = log_url(members) + "?target_type=server&target_id=99999999"

    response = auditor.get(history)

    assert len(shown(response)) == 1
    assert "db-01" in response.content.decode()


def test_keyset_pages_older_and_newer(auditor, members, write):
    entries = [write(params={"n": n}) for n in range(PAGE_SIZE * 2 + 10)]
    newest_first = [e.pk for e in reversed(entries)]

    first = auditor.get(log_url(members))
    assert shown(first) == newest_first[:PAGE_SIZE]
    older = re.search(r'href="(\?before=\d+)"', first.content.decode()).group(1)
    assert "Newer" not in first.content.decode()

    second = auditor.get(log_url(members) + older)
    assert shown(second) == newest_first[PAGE_SIZE : PAGE_SIZE * 2]
    third = auditor.get(
        log_url(members) + re.search(r'href="(\?before=\d+)"', second.content.decode()).group(1)
    )
    assert shown(third) == newest_first[PAGE_SIZE * 2 :]
    assert "Older" not in third.content.decode()

    newer = re.search(r'href="(\?after=\d+)"', third.content.decode()).group(1)
    assert shown(auditor.get(log_url(members) + newer)) == newest_first[PAGE_SIZE : PAGE_SIZE * 2]


def test_pages_keep_the_filters(auditor, members, write):
    halts = [write("halt_server" if n % 2 else "reboot_server") for n in range(PAGE_SIZE * 2 + 20)]
    halts = [e.pk for e in reversed(halts) if e.action == "halt_server"]

    page = auditor.get(log_url(members, action="halt_server")).content.decode()

    older = re.search(r'href="\?([^"]*before=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "action=halt_server" in older
    assert shown(auditor.get(log_url(members) + "?" + older)) == halts[PAGE_SIZE:]


def test_htmx_gets_the_results_only(auditor, members, chain):
    response = auditor.get(
        log_url(members, outcome="failed"),
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="audit-results"')
    assert "<html" not in page
    assert shown(response) == [chain[2].pk]
    assert "HX-Target" in response["Vary"]


def test_an_entry_opens_with_its_whole_request(auditor, members, write):
    first = write("halt_server", request_id="req-group-1")
    second = write("start_server", request_id="req-group-1")
    write("reboot_server", request_id="req-other")

    response = auditor.get(reverse("panel:audit_entry", args=[members.team.slug, second.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Everything request <code>req-group-1</code> did" in page
    assert f"/t/{members.team.slug}/audit/{first.pk}/" in page
    assert "Reboot server" not in page
    assert second.hash in page and second.prev_hash in page


def test_an_entry_shows_what_changed(auditor, members, chain):
    page = auditor.get(reverse("panel:audit_entry", args=[members.team.slug, chain[1].pk]))

    text = page.content.decode()
    assert "<code>require_reason</code></td><td>False</td><td>True</td>" in text


def test_another_teams_entry_is_not_found(login_as, members, write):
    from accounts.actions import create_team

    other = create_team(members.outsider, "Elsewhere")
    theirs = write(team=other)

    response = login_as(members.auditor).get(
        reverse("panel:audit_entry", args=[members.team.slug, theirs.pk])
    )

    assert response.status_code == 404


def test_the_nav_links_to_the_log_for_those_who_may_read_it(login_as, members):
    home = reverse("accounts:team_home", kwargs={"team": members.team.slug})

    assert log_url(members) in login_as(members.auditor).get(home).content.decode()
    assert log_url(members) not in login_as(members.viewer).get(home).content.decode()


@pytest.mark.parametrize("field", ["since", "until"])
def test_a_date_at_the_end_of_the_calendar_is_a_form_error(auditor, members, chain, field):
    # The day after 9999-12-31 does not exist: the range "until" is inclusive of its whole day.
    response = auditor.get(log_url(members, **{field: "9999-12-31"}))

    assert response.status_code == 200
    assert "Choose a date before 31 December 9999." in response.content.decode()
    assert shown(response) == [e.pk for e in reversed(chain)]

"""The operations pages: who may see and do what (anonymous → login, outsider → 404, member
without the permission → 403), the live panel and its polling, starting, retrying and
cancelling, the list's filters, a server's operations, the budget and the alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Perm
from panel.budget.models import KeyBudget
from panel.operations import runner, start
from panel.operations.models import AlertDelivery, AlertTarget, Notice, Operation
from tests.panel.helpers import Demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def operation(op_ctx, vultr):
    return start.start_reinstall_server(op_ctx, Demo(vultr).id("web-01"))


def urls(members, stored_key, operation, vultr):
    team, key = members.team.slug, stored_key.pk
    server = Demo(vultr).id("web-01")
    op = operation.pk
    return [
        # (url, method, permission needed)
        (reverse("operations:list", args=[team]), "get", Perm.SUBSCRIPTIONS_VIEW),
        (reverse("operations:detail", args=[team, op]), "get", Perm.SUBSCRIPTIONS_VIEW),
        (reverse("operations:server", args=[team, key, server]), "get", Perm.SUBSCRIPTIONS_VIEW),
        (reverse("operations:budget", args=[team]), "get", Perm.SUBSCRIPTIONS_VIEW),
        (reverse("operations:snapshots", args=[team, key]), "get", Perm.SUBSCRIPTIONS_VIEW),
        (reverse("operations:budget_set", args=[team, key]), "post", Perm.MANAGE_KEYS),
        (reverse("operations:alerts", args=[team]), "get", Perm.MANAGE_USERS),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(login_as, members, stored_key, operation, vultr):
    for url, method, _ in urls(members, stored_key, operation, vultr):
        response = getattr(login_as(None), method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_outsiders_get_404(login_as, members, stored_key, operation, vultr):
    client = login_as(members.outsider)
    for url, method, _ in urls(members, stored_key, operation, vultr):
        assert getattr(client, method)(url).status_code == 404, url


def test_members_without_the_permission_get_403(login_as, members, stored_key, operation, vultr):
    for url, method, perm in urls(members, stored_key, operation, vultr):
        for role in ("viewer", "auditor", "operator"):
            user = members.with_role(role)
            allowed = members.membership(user).may(perm)
            status = getattr(login_as(user), method)(url).status_code
            if allowed:
                assert status in (200, 302, 400), (url, role, status)
            else:
                assert status == 403, (url, role, status)


def test_another_teams_operation_is_404(login_as, members, operation, make_user):
    from accounts import actions as account_actions

    other = account_actions.create_team(make_user("olga"), "Other Co")
    url = reverse("operations:detail", args=[other.slug, operation.pk])
    assert login_as(other.memberships.get().user).get(url).status_code == 404


def test_the_panel_polls_while_running_and_stops_at_the_end(login_as, members, operation):
    client = login_as(members.viewer)
    url = reverse("operations:detail", args=[members.team.slug, operation.pk])
    page = client.get(url).content.decode()
    assert f'id="op-{operation.pk}"' in page and 'hx-trigger="every 2s"' in page
    assert "Queued by oscar" in page

    fragment = client.get(url, headers={"HX-Request": "true", "HX-Target": f"op-{operation.pk}"})
    html = fragment.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html

    runner.fail(Operation.objects.get(pk=operation.pk), "Vultr refused: no")
    html = client.get(url, headers={"HX-Request": "true", "HX-Target": f"op-{operation.pk}"})
    html = html.content.decode()
    assert "hx-trigger" not in html and "Vultr refused: no" in html


def test_a_page_sends_a_long_action_through_an_operation_that_follows_it(
    login_as, members, stored_key, vultr
):
    # Pages start long actions the one way there is (start.py, `now`): recorded, sent in the
    # request, then followed by workers.
    server = Demo(vultr).id("web-01")
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk}
    url = reverse("panel:snapshot_take", kwargs=kwargs)
    client = login_as(members.operator)

    response = client.post(
        url, {"server": server, "description": "x"}, headers={"HX-Request": "true"}
    )

    op = Operation.objects.get()
    assert (op.kind, op.target_id, op.params) == ("create_snapshot", server, {"description": "x"})
    assert op.confirmed and op.phase == Operation.Phase.WAITING and op.result["snapshot_id"]
    assert response["HX-Location"]


def test_a_destructive_start_asks_for_the_reason_the_team_requires(
    login_as, members, stored_key, vultr
):
    from panel.audit.models import TeamSettings

    TeamSettings.objects.create(team=members.team, require_reason=True)
    server = Demo(vultr).id("web-01")
    kwargs = {"team": members.team.slug, "key_id": stored_key.pk, "server_id": server}
    url = reverse("panel:server_destroy", kwargs=kwargs)
    client = login_as(members.operator)
    assert client.post(url, {"confirm": "web-01"}).status_code == 200
    assert not Operation.objects.exists()
    client.post(url, {"confirm": "web-01", "reason": "decommissioned"})
    assert Operation.objects.get().reason == "decommissioned"


def test_starter_and_admins_may_cancel_and_retry_others_may_not(
    login_as, members, operation, make_user
):
    team = members.team.slug
    cancel = reverse("operations:cancel", args=[team, operation.pk])
    retry = reverse("operations:retry", args=[team, operation.pk])
    from accounts.models import Membership
    from accounts.roles import Role

    other_operator = make_user("otis")
    Membership.objects.create(team=members.team, user=other_operator, role=Role.OPERATOR)

    assert login_as(other_operator).post(cancel).status_code == 403
    assert login_as(members.viewer).post(cancel).status_code == 403
    assert login_as(members.operator).post(cancel).status_code == 302
    assert Operation.objects.get(pk=operation.pk).status == "cancelled"

    assert login_as(other_operator).post(retry).status_code == 403
    assert login_as(members.admin).post(retry).status_code == 302
    op = Operation.objects.get(pk=operation.pk)
    assert op.status == "queued"
    assert [s.name for s in op.steps.all()][-2:] == ["cancelled", "retried"]


def test_the_list_filters(login_as, members, op_ctx, vultr):
    demo = Demo(vultr)
    reinstall = start.start_reinstall_server(op_ctx, demo.id("web-01"))
    snapshot = start.start_create_snapshot(op_ctx, demo.id("db-01"))
    runner.fail(Operation.objects.get(pk=snapshot.pk), "no")
    client = login_as(members.viewer)
    url = reverse("operations:list", args=[members.team.slug])

    def shown(**query):
        html = client.get(url, query).content.decode()
        return {
            op.pk
            for op in (reinstall, snapshot)
            if reverse("operations:detail", args=[members.team.slug, op.pk]) in html
        }

    assert shown() == {reinstall.pk, snapshot.pk}
    assert shown(status="active") == {reinstall.pk}
    assert shown(status="failed") == {snapshot.pk}
    assert shown(kind="create_snapshot") == {snapshot.pk}
    assert shown(target="web-01") == {reinstall.pk}
    assert shown(mine="on") == set()  # the viewer started none


def test_a_servers_page_fragment_shows_its_running_operations(
    login_as, members, stored_key, operation, vultr
):
    url = reverse("operations:server", args=[members.team.slug, stored_key.pk, operation.target_id])
    html = login_as(members.viewer).get(url).content.decode()
    assert "Reinstall server" in html and "hx-trigger" in html


def test_budget_page_and_per_key_rate(login_as, members, stored_key):
    client = login_as(members.admin)
    page = client.get(reverse("operations:budget", args=[members.team.slug]))
    assert page.status_code == 200 and "Production" in page.content.decode()

    url = reverse("operations:budget_set", args=[members.team.slug, stored_key.pk])
    prefix = f"key{stored_key.pk}-"
    client.post(url, {prefix + "requests_per_second": "1.5", prefix + "burst": "1"})
    assert KeyBudget.objects.get(api_key=stored_key).requests_per_second == 1.5
    client.post(url, {"reset": "1"})
    assert not KeyBudget.objects.exists()


def test_alerts_refuse_private_webhooks(login_as, members, settings):
    settings.PANEL_WEBHOOK_ALLOW_PRIVATE = False
    client = login_as(members.admin)
    url = reverse("operations:alerts", args=[members.team.slug])
    for address in ["http://127.0.0.1:8000/hook", "http://169.254.169.254/", "ftp://x.example/"]:
        response = client.post(
            url, {"channel": "webhook", "address": address, "on_ready": "on", "on_failed": "on"}
        )
        assert response.status_code == 400, address
    assert not AlertTarget.objects.exists()

    client.post(url, {"channel": "email", "address": "ops@example.com", "on_failed": "on"})
    assert AlertTarget.objects.get().address == "ops@example.com"


def test_notices_are_shown_and_dismissed(login_as, members, operation):
    runner.fail(Operation.objects.get(pk=operation.pk), "Vultr refused: no")
    notice = Notice.objects.get(user=members.operator)
    client = login_as(members.operator)
    url = reverse("operations:notices", args=[members.team.slug])
    html = client.get(url).content.decode()
    assert "failed: Vultr refused: no" in html
    client.post(reverse("operations:notice_dismiss", args=[notice.pk]))
    assert "Vultr refused" not in client.get(url).content.decode()
    assert (
        login_as(members.viewer)
        .post(reverse("operations:notice_dismiss", args=[notice.pk]))
        .status_code
        == 404
    )


def test_server_pages_and_the_dashboard_load_the_operations_fragments(
    login_as, members, stored_key, operation, vultr
):
    client = login_as(members.viewer)
    server = Demo(vultr).id("web-01")
    page = client.get(
        reverse("panel:server_detail", args=[members.team.slug, stored_key.pk, server])
    ).content.decode()
    loader = reverse("operations:server", args=[members.team.slug, stored_key.pk, server])
    assert f'hx-get="{loader}"' in page

    dashboard = client.get(reverse("panel:dashboard", args=[members.team.slug])).content.decode()
    assert f'hx-get="{reverse("operations:budget", args=[members.team.slug])}"' in dashboard
    usage = client.get(
        reverse("operations:budget", args=[members.team.slug]),
        headers={"HX-Request": "true", "HX-Target": "budget-usage"},
    ).content.decode()
    assert usage.lstrip().startswith("<section") and "Production" in usage
    assert "1 running" in usage


def test_a_servers_operations_say_when_they_moved(login_as, members, stored_key, operation, vultr):
    client = login_as(members.viewer)
    server = Demo(vultr).id("web-01")
    url = reverse("operations:server", args=[members.team.slug, stored_key.pk, server])
    htmx = {"HX-Request": "true"}
    first = client.get(url, headers=htmx)
    assert "HX-Trigger" not in first  # the first load tells nothing
    seen = first.content.decode().split("?seen=")[1].split('"')[0]
    assert "HX-Trigger" not in client.get(url, {"seen": seen}, headers=htmx)

    runner.advance(operation.pk)  # sent: a step further
    moved = client.get(url, {"seen": seen}, headers=htmx)
    assert "operation-moved" in moved["HX-Trigger"]


def test_a_server_without_operations_shows_nothing(login_as, members, stored_key, vultr):
    server = Demo(vultr).id("db-01")
    url = reverse("operations:server", args=[members.team.slug, stored_key.pk, server])
    html = login_as(members.viewer).get(url).content.decode()
    # An empty place, which polls nothing and loads only when an operation starts.
    assert "<section" not in html and "every" not in html
    assert 'hx-trigger="operation-started from:body"' in html


def test_the_snapshots_page_shows_snapshots_being_taken(
    login_as, members, stored_key, op_ctx, vultr
):
    op = start.start_create_snapshot(op_ctx, Demo(vultr).id("web-01"), "nightly")
    client = login_as(members.viewer)
    page = client.get(
        reverse("panel:snapshot_list", args=[members.team.slug, stored_key.pk])
    ).content.decode()
    loader = reverse("operations:snapshots", args=[members.team.slug, stored_key.pk])
    assert f'hx-get="{loader}"' in page
    fragment = client.get(loader).content.decode()
    assert reverse("operations:detail", args=[members.team.slug, op.pk]) in fragment
    assert "Take snapshot" in fragment and "hx-trigger" in fragment


def test_the_alerts_page_shows_a_receivers_status_never_its_body(login_as, members, operation):
    """Answers logged before bodies were dropped too (issue 11 item 3)."""
    target = AlertTarget.objects.create(
        team=members.team, channel="webhook", address="https://hooks.example.com/x"
    )
    delivery = AlertDelivery.objects.create(target=target, operation=operation, event="failed")
    delivery.record(status=502, error="HTTP 502: <h1>router admin</h1> token=s3cr3t", seconds=0.1)
    delivery.save()

    page = login_as(members.admin).get(reverse("operations:alerts", args=[members.team.slug]))

    html = page.content.decode()
    assert "HTTP 502" in html
    assert "s3cr3t" not in html and "router admin" not in html


def _notice(user, team, text: str, minutes_ago: int) -> Notice:
    return Notice.objects.create(
        user=user,
        team=team,
        text=text,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_notices_show_on_the_pages_of_their_team_only(login_as, members):
    from accounts.models import Membership, Team

    other = Team.objects.create(name="Other Co", slug="other-co")
    Membership.objects.create(user=members.operator, team=other, role="operator")
    _notice(members.operator, members.team, "Server acme-1 is ready", 1)
    _notice(members.operator, other, "Server other-1 is ready", 2)
    client = login_as(members.operator)

    acme = client.get(reverse("accounts:team_home", args=[members.team.slug]))
    acme_notices = client.get(reverse("operations:notices", args=[members.team.slug]))
    other_notices = client.get(reverse("operations:notices", args=[other.slug]))

    # The page asks for its own team's notices.
    assert reverse("operations:notices", args=[members.team.slug]) in acme.content.decode()
    assert "acme-1" in acme_notices.content.decode()
    assert "other-1" not in acme_notices.content.decode()
    assert "other-1" in other_notices.content.decode()
    assert "acme-1" not in other_notices.content.decode()
    # Someone else's team: 404, as for every team page.
    assert (
        login_as(members.outsider)
        .get(reverse("operations:notices", args=[members.team.slug]))
        .status_code
        == 404
    )


def test_older_notices_collapse_into_a_count_linking_to_the_operations(login_as, members):
    for n in range(1, 6):
        _notice(members.operator, members.team, f"Server web-{n} is ready", 10 - n)
    client = login_as(members.operator)
    url = reverse("operations:notices", args=[members.team.slug])

    html = client.get(url).content.decode()

    # The two newest in full, the three older as one line.
    assert "web-5" in html and "web-4" in html
    assert not any(f"web-{n} is ready" in html for n in (1, 2, 3))
    assert "3 older notices about" in html
    assert f'href="{reverse("operations:list", args=[members.team.slug])}"' in html

    client.post(reverse("operations:notices_dismiss_all", args=[members.team.slug]))
    assert "is ready" not in client.get(url).content.decode()
    assert not Notice.objects.filter(read_at__isnull=True).exists()

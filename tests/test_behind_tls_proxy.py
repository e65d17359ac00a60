"""``BEHIND_TLS_PROXY=true``: the panel behind one TLS-terminating proxy that sets
``X-Forwarded-Proto`` and appends the client's address to ``X-Forwarded-For``.

The settings are those panel/settings.py derives from the environment (read in a process of
its own), applied here: requests that came over HTTPS count as secure (cookies marked Secure,
CSRF's strict HTTPS Referer check), and the client's address, not the proxy's, is what
lockouts count and what the audit log records.

The address is taken from X-Forwarded-For counting PANEL_PROXY_COUNT (1) proxies from the
right (panel/middleware.py `client_ip`), for django-axes, the audit log and server actions alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

import pytest
from django.test import Client

from panel.local_stack import BASE_DIR
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # REMOTE_ADDR of every request: the proxy
CLIENT, OTHER_CLIENT = "203.0.113.7", "198.51.100.9"
LOGIN = "/accounts/login/"
NAMES = [
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "PANEL_PROXY_COUNT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_REDIRECT_EXEMPT",
]


def derived_settings(behind_proxy: str, **env: str) -> dict:
    """What panel/settings.py makes of BEHIND_TLS_PROXY, in a fresh process."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {NAMES!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "panel.settings",
            "BEHIND_TLS_PROXY": behind_proxy,
            "SECRET_KEY": "x" * 50,
            "PANEL_DATA_DIR": tempfile.mkdtemp(prefix="proxy-settings-"),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def proxy_settings() -> dict:
    return derived_settings("true")


@pytest.fixture
def behind_proxy(settings, proxy_settings):
    for name, value in proxy_settings.items():
        if value is not None:
            setattr(settings, name, tuple(value) if isinstance(value, list) else value)
    return settings


def through_proxy(client_ip: str, **headers) -> dict:
    """What the proxy adds to a request from `client_ip` (a client's own X-Forwarded-For,
    forged or not, comes first; the proxy appends the address it saw)."""
    forwarded = ", ".join(filter(None, [headers.pop("forged", ""), client_ip]))
    return {
        "REMOTE_ADDR": PROXY,
        "HTTP_HOST": "testserver",  # the proxy passes the Host header on
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": forwarded,
        "HTTP_REFERER": "https://testserver/accounts/login/",
        **headers,
    }


def test_the_setting_trusts_x_forwarded_proto_and_the_proxys_client_address(proxy_settings):
    assert proxy_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxy_settings["SESSION_COOKIE_SECURE"] is True
    assert proxy_settings["CSRF_COOKIE_SECURE"] is True
    assert proxy_settings["PANEL_PROXY_COUNT"] == 1
    assert proxy_settings["SECURE_SSL_REDIRECT"] is True
    assert proxy_settings["SECURE_HSTS_SECONDS"] == 365 * 24 * 60 * 60


def test_without_it_x_forwarded_proto_and_for_are_ignored():
    direct = derived_settings("false")
    assert direct["SECURE_PROXY_SSL_HEADER"] is None
    assert direct["PANEL_PROXY_COUNT"] == 0
    # The local run answers plain HTTP on 127.0.0.1: no redirect, no HSTS.
    assert direct["SECURE_SSL_REDIRECT"] is False
    assert direct["SECURE_HSTS_SECONDS"] == 0


def test_the_hsts_lifetime_is_a_setting():
    assert derived_settings("true", PANEL_HSTS_SECONDS="600")["SECURE_HSTS_SECONDS"] == 600


def test_without_a_proxy_a_clients_x_forwarded_for_is_not_believed(settings, members):
    settings.PANEL_PROXY_COUNT = 0
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(LOGIN, {"username": "vera", "password": "wrong"}, REMOTE_ADDR=CLIENT)
    # Claiming another address changes nothing: the connection's address is what counts.
    answer = attacker.post(
        LOGIN,
        {"username": "vera", "password": PASSWORD},
        REMOTE_ADDR=CLIENT,
        HTTP_X_FORWARDED_FOR=OTHER_CLIENT,
    )
    assert answer.status_code == 429


def test_a_request_forwarded_as_https_is_secure_and_its_cookies_too(behind_proxy, members):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN, **through_proxy(CLIENT))
    assert page.cookies["csrftoken"]["secure"] is True
    token = page.cookies["csrftoken"].value

    # HTTPS: Django's CSRF check also wants a Referer from this site; without it, refused.
    form = {"username": "vera", "password": PASSWORD, "csrfmiddlewaretoken": token}
    no_referer = through_proxy(CLIENT)
    del no_referer["HTTP_REFERER"]
    assert client.post(LOGIN, form, **no_referer).status_code == 403

    signed_in = client.post(LOGIN, form, **through_proxy(CLIENT))
    assert signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["secure"] is True


def test_plain_http_through_the_proxy_is_sent_to_https(behind_proxy, members):
    answer = Client().get(LOGIN, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")

    assert answer.status_code == 301
    assert answer["Location"] == "https://testserver/accounts/login/"


def test_https_answers_tell_browsers_to_use_nothing_else(behind_proxy, members):
    answer = Client().get(LOGIN, **through_proxy(CLIENT))

    assert answer.status_code == 200
    assert answer["Strict-Transport-Security"] == "max-age=31536000"


def test_the_health_check_is_answered_over_plain_http(behind_proxy, members):
    # docker-compose's health check asks the process directly, without the proxy.
    answer = Client().get("/healthz", REMOTE_ADDR="127.0.0.1")

    assert answer.status_code in (200, 503)
    assert "Strict-Transport-Security" not in answer


def test_a_forged_x_forwarded_for_does_not_lift_a_lockout(behind_proxy, members):
    attacker = Client()
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        answer = attacker.post(
            LOGIN, {"username": "vera", "password": "wrong"}, **through_proxy(CLIENT)
        )
    assert answer.status_code == 429

    forged = attacker.post(
        LOGIN,
        {"username": "vera", "password": PASSWORD},
        **through_proxy(CLIENT, forged=OTHER_CLIENT),
    )
    assert forged.status_code == 429


def test_a_lockout_counts_the_client_not_the_proxy(behind_proxy, members):
    attacker, user = Client(), Client()
    for _ in range(behind_proxy.AXES_FAILURE_LIMIT):
        answer = attacker.post(
            LOGIN, {"username": "vera", "password": "wrong"}, **through_proxy(CLIENT)
        )
    assert answer.status_code == 429

    # The same user from another client, through the same proxy: not locked out.
    ok = user.post(LOGIN, {"username": "vera", "password": PASSWORD}, **through_proxy(OTHER_CLIENT))
    assert ok.status_code == 302


def test_the_audit_log_records_the_clients_address_for_sign_ins(behind_proxy, members):
    Client().post(LOGIN, {"username": "vera", "password": "wrong"}, **through_proxy(CLIENT))
    Client().post(LOGIN, {"username": "vera", "password": PASSWORD}, **through_proxy(OTHER_CLIENT))

    # Sign-in events go to the user's personal team, whose log the user reads.
    vera = Client()
    vera.force_login(members.viewer)
    team = members.viewer.personal_team.slug
    # Read through the proxy too (plain HTTP is sent to HTTPS), from a third address.
    read = through_proxy("192.0.2.44")
    failed = vera.get(f"/t/{team}/audit/", {"action": "sign_in_failed"}, **read).content.decode()
    signed_in = vera.get(f"/t/{team}/audit/", {"action": "signed_in"}, **read).content.decode()

    # The entries are there (with some address)...
    assert PROXY in failed or CLIENT in failed
    assert PROXY in signed_in or OTHER_CLIENT in signed_in
    # ...and the address is the client's.
    assert CLIENT in failed and PROXY not in failed
    assert OTHER_CLIENT in signed_in and PROXY not in signed_in


def test_the_audit_log_records_the_clients_address_for_server_actions(
    behind_proxy, members, stored_key, vultr
):
    from tests.panel.helpers import Demo

    client = Client()
    client.force_login(members.operator)
    server = Demo(vultr).id("web-01")
    base = f"/t/{members.team.slug}/k/{stored_key.pk}/servers/{server}/"
    client.post(base + "settings/label/", {"label": "via-proxy"}, **through_proxy(CLIENT))

    auditor = Client()
    auditor.force_login(members.auditor)
    log = auditor.get(
        f"/t/{members.team.slug}/audit/", {"q": "via-proxy"}, **through_proxy("192.0.2.44")
    ).content.decode()
    assert "via-proxy" in log
    assert PROXY in log or CLIENT in log
    assert CLIENT in log and PROXY not in log

"""Who a request comes from: its id and the client's address; and no shared cache keeps what
a signed-in user was shown.

Request ids: every request gets one, for the audit log, the logs and the response header.

The id is taken from an incoming ``X-Request-ID`` only when the proxy in front of us assigns
one (PANEL_PROXY_REQUEST_ID, with BEHIND_TLS_PROXY: so one id follows the request through every
layer), and only if it looks like an id: the value goes into audit entries and log lines. A
client's own header is never believed: the audit page groups entries by request id, and a
member could otherwise file their actions under another person's request. Otherwise a fresh
uuid4 hex is made (NetBox does the same for its change records).

The client's address (`client_ip`) is what sign-in lockouts (django-axes, through
AXES_CLIENT_IP_CALLABLE), the audit log and the action layer record. Behind a TLS proxy
(BEHIND_TLS_PROXY) REMOTE_ADDR is the proxy's, the same for everyone; each of the
PANEL_PROXY_COUNT proxies appends the address it was reached from to X-Forwarded-For, so the
client is the PANEL_PROXY_COUNT-th entry from the right, and whatever a client wrote itself into
the header stands to the left of it and is never believed (the rule of werkzeug's ProxyFix).
django-ipware was tried first: its `proxy_count` counts from the left and, once a client adds
an entry of its own, either believes it or falls back to the proxy's address.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from django.conf import settings
from django.http import HttpRequest
from django.utils.cache import add_never_cache_headers

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and a little punctuation, 8 to 64 characters: covers uuids (with or without
# dashes), nginx's $request_id (32 hex) and Heroku/AWS style ids, but no spaces or markup.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """`value` if it is a sane request id, else a fresh one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


def client_ip(request: HttpRequest) -> str | None:
    """The address of the client that sent `request` (see the module's docstring)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "PANEL_PROXY_COUNT", 0)
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote  # not through the proxies we were told of: a direct connection
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class RequestIdMiddleware:
    """Sets ``request.request_id`` and echoes it in the ``X-Request-ID`` response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.PANEL_PROXY_REQUEST_ID:
            request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        else:
            request.request_id = new_request_id()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class NoStoreWhenSignedInMiddleware:
    """Every answer to a signed-in user says ``Cache-Control: no-store, private`` (and no-cache,
    max-age=0): such pages hold the team's servers, audit exports, webhook signing secrets,
    backup codes. A proxy or the browser's disk cache must not keep them for the next person
    at the same machine or behind the same proxy. One place for every view, so that a new page
    is covered without thinking of it. Anonymous pages keep whatever their view set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response

"""Request ids: every request gets one, for the audit log, the logs and the response header.

The id is taken from an incoming ``X-Request-ID`` when a proxy in front of us already assigned
one (so one id follows the request through every layer), but only if it looks like an id: the
value goes into audit entries and log lines, so free text from the client is not trusted.
Otherwise a fresh uuid4 hex is made (NetBox does the same for its change records).
"""

from __future__ import annotations

import re
import uuid

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


class RequestIdMiddleware:
    """Sets ``request.request_id`` and echoes it in the ``X-Request-ID`` response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response

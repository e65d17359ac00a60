"""What goes back on the wire, independent of the HTTP server that sends it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# reference §1: JSON answers are application/json; empty action answers and the plain-text
# error bodies come as text/html (a recorded 412 shows "text/html; charset=UTF-8").
JSON = "application/json"
HTML = "text/html; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = HTML
    drop: bool = False  # close the connection without answering (an injected fault)
    headers: tuple[tuple[str, str], ...] = ()  # more headers, e.g. v2's Retry-After


EMPTY = Response(200)  # a successful action: 200, empty body, Content-Length 0


def text(status: int, message: str) -> Response:
    return Response(status, message.encode())


def json_response(payload: Any, status: int = 200) -> Response:
    if isinstance(payload, bytes):  # already serialized (the cached server/list)
        return Response(status, payload, JSON)
    # v1 sends an empty map as `[]` (reference §4); compact like PHP's json_encode.
    if payload == {}:
        payload = []
    return Response(status, json.dumps(payload, separators=(",", ":")).encode(), JSON)

"""The simulator: accounts, clock, rate limits and faults behind one ``handle()`` call.

``handle()`` knows nothing about sockets, so the HTTP server in :mod:`.httpd` stays a thin
adapter and the request pipeline reads top to bottom. v1: control endpoints, injected faults,
routing (400/405), authentication (403), rate limit per key (503), the endpoint (200/412).
v2 (``/v2/...``, :meth:`Simulator._handle_v2`): injected faults, rate limit per client IP (429),
routing (404/405), authentication (401), the endpoint (200/201/202/204, or a JSON error).
Both read and write the same accounts.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from http.client import responses as reasons
from typing import Any, TypedDict, Unpack
from urllib.parse import parse_qsl

from . import api_v2, control
from .api import ENDPOINTS, Call
from .clock import SimClock, fmt_datetime
from .demo import add_servers
from .demo import fill as fill_demo
from .state import Account, AccountExists, Failed, Server, World
from .traffic import V2_RATE_LIMIT_BODY, Fault, Faults, RateLimiter, Stats
from .wire import EMPTY, JSON, Response, json_response, text

# The meanings the v1 docs give each status (seed, "HTTP Response Codes"); used as bodies.
INVALID_LOCATION = "Invalid API location. Check the URL that you are using"
INVALID_KEY = "Invalid API key"
INVALID_METHOD = (
    "Invalid HTTP method. Check that the method (POST|GET) matches what the documentation indicates"
)
_FAULT_BODIES = {
    400: INVALID_LOCATION,
    403: INVALID_KEY,
    405: INVALID_METHOD,
    412: "Request failed. Check the response body for a more detailed description",
    500: "Internal server error. Try again at a later time",
}
# Stats buckets for callers and paths that are not ours, so that they cannot grow unbounded.
_NO_KEY, _BAD_KEY, _OTHER_PATH = "(none)", "(invalid)", "(other)"
APIS = ("v1", "v2", "both")
# What /_sim/ids may be asked about (the lower-cased names of the state classes).
ID_KINDS = ("server", "snapshot", "sshkey", "startupscript", "iso")
# Named v2 faults (v2 reference §8): their status and body unless given.
V2_FAULT_KINDS = {
    "locked": (500, api_v2.LOCKED_DESTROY),
    "rate_limit": (429, None),
    "not_found": (404, api_v2.INSTANCE_NOT_FOUND),
}
_V2_FAULT_BODIES = {
    400: api_v2.BAD_REQUEST,
    401: api_v2.INVALID_TOKEN,
    404: api_v2.NOT_FOUND,
    500: "Internal server error.",
}


# The headers every recorded v2 answer carries besides Server and Cache-Control (v2 reference
# §1.2: lexicon's 2021 cassettes, ansible#113's 2024 error); no rate-limit headers.
V2_HEADERS = (
    ("Strict-Transport-Security", "max-age=63072000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("X-Robots-Tag", "noindex,noarchive"),
)


class Settings(TypedDict, total=False):
    """What `Simulator.configure` changes while the simulator runs (None: leave it as it is),
    and what `Simulator.config` shows."""

    rate_limit: float | None
    speed: float | None
    provisioning_seconds: float | None
    v2_rate_limit: float | None
    v2_not_found_seconds: float | None


def parse_form(data: str) -> dict[str, str]:
    return dict(parse_qsl(data, keep_blank_values=True))


class Simulator:
    def __init__(
        self,
        rate_limit: float = 2.0,
        speed: float = 1.0,
        provisioning_seconds: float = 60.0,
        *,
        api: str = "both",
        v2_rate_limit: float = 30.0,
        v2_not_found_seconds: float = 0.0,
    ) -> None:
        if provisioning_seconds < 0:
            raise ValueError("provisioning_seconds must be >= 0")
        if api not in APIS:
            raise ValueError("api must be v1, v2 or both")
        self.api = api
        self._v1, self._v2 = api in ("v1", "both"), api in ("v2", "both")
        self.clock = SimClock(speed)
        self.lock = threading.Lock()  # guards the accounts and everything in them
        self._world = World(self.clock, provisioning_seconds)
        self._accounts: dict[str, Account] = {}
        self._limiter = RateLimiter(rate_limit)
        # v2: 30 requests/s per client IP, a second's worth at once (v2 reference §1.4).
        self._v2_limiter = RateLimiter(v2_rate_limit, max_burst=math.inf)
        self._v2_not_found_seconds = 0.0
        self._faults = Faults()
        self._stats = Stats()
        self._api_stats = {"v1": Stats(), "v2": Stats()}
        self.configure(v2_not_found_seconds=v2_not_found_seconds)

    # -- the in-process API used by tests, the CLI and the control endpoints -------------------

    def add_account(self, key: str, demo: bool = False, servers: int = 0) -> Account:
        """A new account for ``key``: demo data if asked, plus ``servers`` settled servers.

        The returned account is live state; read it under ``sim.lock`` if the server runs.
        """
        if not key:
            raise ValueError("key must not be empty")
        if servers < 0:
            raise ValueError("servers must be >= 0")
        with self.lock:
            if key in self._accounts:
                raise AccountExists("an account with this key exists")
            now = self.clock.now()
            account = Account(key, self._world, now)
            if demo:
                fill_demo(account, now)
            if servers:
                add_servers(account, now, servers)
            self._accounts[key] = account
        return account

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        """Move simulated time forward; returns the new time (epoch seconds)."""
        return self.clock.advance(seconds)

    def configure(self, **changes: Unpack[Settings]) -> Settings:
        """Change settings; ``v2_not_found_seconds`` is the window after a create in which
        ``GET /v2/instances/{id}`` answers 404 (simulated seconds, 0 = off)."""
        unknown = changes.keys() - Settings.__optional_keys__
        if unknown:
            raise TypeError(f"configure() got unknown settings: {', '.join(sorted(unknown))}")
        v2_not_found_seconds = changes.get("v2_not_found_seconds")
        v2_rate_limit = changes.get("v2_rate_limit")
        provisioning_seconds = changes.get("provisioning_seconds")
        rate_limit, speed = changes.get("rate_limit"), changes.get("speed")
        if v2_not_found_seconds is not None:
            if v2_not_found_seconds < 0:
                raise ValueError("v2_not_found_seconds must be >= 0")
            self._v2_not_found_seconds = v2_not_found_seconds
        if v2_rate_limit is not None:
            self._v2_limiter.rate = v2_rate_limit
        if provisioning_seconds is not None:
            if provisioning_seconds < 0:
                raise ValueError("provisioning_seconds must be >= 0")
            with self.lock:
                self._world.provisioning_seconds = provisioning_seconds
        if rate_limit is not None:
            self._limiter.rate = rate_limit
        if speed is not None:
            self.clock.set_speed(speed)
        return self.config()

    def config(self) -> Settings:
        return {
            "rate_limit": self._limiter.rate,
            "speed": self.clock.speed,
            "provisioning_seconds": self._world.provisioning_seconds,
            "v2_rate_limit": self._v2_limiter.rate,
            "v2_not_found_seconds": self._v2_not_found_seconds,
        }

    def clock_info(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "now": now,
            "date": fmt_datetime(now),
            "speed": self.clock.speed,
            "advanced": self.clock.advanced,
        }

    def inject_fault(
        self,
        count: int = 1,
        status: int | None = None,
        body: str | None = None,
        delay: float | None = None,
        drop: bool = False,
        path: str | None = None,
        key: str | None = None,
        *,
        api: str | None = None,
        method: str | None = None,
        kind: str | None = None,
        retry_after: int = 1,
    ) -> None:
        """Make the next ``count`` requests (matching ``path``, ``key``, ``api`` and ``method``
        if given) fail.

        Each waits ``delay`` seconds first, then is dropped (``drop``), or answered with
        ``status`` and ``body`` (that version's text for that status by default; a v2 answer
        is ``{"error": body, "status": status}``). ``status`` defaults to 500 unless ``delay``
        or ``drop`` is given: a delay alone slows a request down and then serves it normally.

        v2: ``path`` may be a route template ("/v2/instances/{instance-id}"); ``kind`` names a
        recorded fault and implies ``api="v2"``: "locked" (500, "... Server is currently
        locked"), "rate_limit" (429 with tf#103's body and ``Retry-After: retry_after``) or
        "not_found" (404 "instance not found").
        """
        if kind is not None:
            if kind not in V2_FAULT_KINDS:
                raise ValueError(f"kind must be one of {', '.join(V2_FAULT_KINDS)}")
            kind_status, kind_body = V2_FAULT_KINDS[kind]
            status = kind_status if status is None else status
            body = kind_body if body is None else body
            api = api or "v2"
        if api not in (None, "v1", "v2"):
            raise ValueError("api must be v1 or v2")
        if retry_after < 0:
            raise ValueError("retry_after must be >= 0")
        if status is None and not delay and not drop:
            status = 500
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        method = method.upper() if method else None
        fault = Fault(count, status, body, delay or 0.0, drop, path, key, api, method, retry_after)
        self._faults.add(fault)

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self, key: str | None = None) -> None:
        """Forget queued faults: all of them, or those injected for ``key``."""
        self._faults.clear(key)

    def stats(self, api: str | None = None) -> dict[str, Any]:
        """Request counts: all requests, or those of one API version ("v1"/"v2")."""
        if api is None:
            return self._stats.snapshot()
        if api not in self._api_stats:
            raise ValueError("api must be v1 or v2")
        return self._api_stats[api].snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()
        for stats in self._api_stats.values():
            stats.reset()

    def _record(self, api: str, path: str, caller: str, status: int | None, **flags: bool) -> None:
        self._stats.record(path, caller, status, **flags)
        self._api_stats[api].record(path, caller, status, **flags)

    def ids(self, key: str, id: str, kind: str | None = None) -> dict[str, str]:
        """Both ids of one object of ``key``'s account, given either: {kind, v1, v2}.

        v1 numbers startup scripts and ISOs alike (1, 2, ...), so a v1 id can name two objects:
        ``kind`` ("server", "snapshot", "sshkey", "startupscript", "iso") says which one is
        meant, and an id that names several without it is refused rather than guessed.
        """
        if kind is not None and kind not in ID_KINDS:
            raise ValueError(f"kind must be one of {', '.join(ID_KINDS)}")
        with self.lock:
            account = self._accounts.get(key)
            if account is None:
                raise ValueError("no account with this key")
            found = [account.by_uuid[id.lower()]] if id.lower() in account.by_uuid else []
            if not found:
                number = int(id) if id.isdigit() else None
                found = [
                    candidate
                    for candidate in (
                        account.servers.get(id),
                        account.snapshots.get(id),
                        account.sshkeys.get(id),
                        account.scripts.get(number) if number is not None else None,
                        account.isos.get(number) if number is not None else None,
                    )
                    if candidate is not None
                ]
            found = [f for f in found if kind is None or type(f).__name__.lower() == kind]
            if not found:
                raise ValueError("no object with this id")
            if len(found) > 1:
                kinds = " and ".join(type(f).__name__.lower() for f in found)
                raise ValueError(f"id {id} names a {kinds}: give kind")
            (one,) = found
            v1 = one.subid if isinstance(one, Server) else str(one.id)
            return {"kind": type(one).__name__.lower(), "v1": v1, "v2": one.uuid}

    # -- requests ------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        api_key_header: str | None = None,
        client: str = "",
        authorization: str | None = None,
    ) -> Response:
        """Answer one HTTP request. ``target`` is the request path with its query string;
        ``api_key_header`` is v1's ``API-Key`` header, ``authorization`` v2's header."""
        path, _, query = target.partition("?")
        if path.startswith("/_sim/"):
            form = body.decode("utf-8", "replace") if method == "POST" else ""
            return control.handle(self, method, path, {**parse_form(query), **parse_form(form)})
        if self._v2 and (path.startswith("/v2/") or path == "/v2"):
            response = self._handle_v2(method, path, query, body, authorization, client)
            if response.drop:
                return response
            headers = response.headers + V2_HEADERS
            scheme, _, token = (authorization or "").strip().partition(" ")
            account = self._accounts.get(token.strip()) if scheme.lower() == "bearer" else None
            if account is not None:  # the key's account email, as recorded in 2023/2024
                headers += (("x-user", account.email),)
            return replace(response, headers=headers)
        form = body.decode("utf-8", "replace") if method == "POST" else ""

        # POST reads the form body, but the query string counts too: python-vultr sends
        # api_key there for every method (reference §1).
        params = parse_form(query)
        params.update(parse_form(form))
        query_key = params.pop("api_key", None)
        key = api_key_header or query_key  # the header wins (reference §1)
        account = self._accounts.get(key) if key else None  # dict reads are atomic
        caller = key if account else (_BAD_KEY if key else _NO_KEY)
        endpoint = ENDPOINTS.get(path) if self._v1 else None
        stats_path = path if endpoint else _OTHER_PATH

        fault = self._faults.take(path, key, api="v1")
        faulted = self._faulted(
            fault, "v1", stats_path, caller, lambda f: text(f.status, self._fault_body(f))
        )
        if faulted is not None:
            return faulted

        rate_limited = created = False
        if endpoint is None:
            response = text(400, INVALID_LOCATION)
        elif method != endpoint.method:
            response = text(405, INVALID_METHOD)
        elif account is None and not endpoint.public:
            response = text(403, INVALID_KEY)
        elif not self._limiter.allow(key if account else f"ip:{client}"):
            rate_limited = True
            response = text(503, self._limiter.text())
        else:
            with self.lock:
                try:
                    result = endpoint.handler(Call(params, account, self.clock.now()))
                except Failed as failure:
                    result = failure
            if isinstance(result, Failed):
                response = text(412, result.text)
            else:
                # Serialized outside the lock: handlers return fresh dicts or immutable bytes.
                response = EMPTY if result is None else json_response(result)
                created = path == "/v1/server/create"
        self._record(
            "v1", stats_path, caller, response.status, rate_limited=rate_limited,
            server_created=created,
        )  # fmt: skip
        return response

    def _faulted(
        self,
        fault: Fault | None,
        api: str,
        stats_path: str,
        caller: str,
        answer: Callable[[Fault], Response],
    ) -> Response | None:
        """What an injected `fault` makes of a request (recorded in the stats): after its
        delay, a dropped connection or `answer(fault)`; None lets the request through."""
        if fault is None:
            return None
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            self._record(api, stats_path, caller, None)
            return Response(0, drop=True)
        if fault.status is not None:
            self._record(api, stats_path, caller, fault.status)
            return answer(fault)
        return None

    def _handle_v2(
        self, method: str, path: str, query: str, raw: bytes, authorization: str | None, client: str
    ) -> Response:
        path = api_v2.normalize(path)
        route, args, template = api_v2.resolve(path, method)
        stats_path = f"{method} {template}" if route else _OTHER_PATH
        scheme, _, token = (authorization or "").strip().partition(" ")
        key = token.strip() if scheme.lower() == "bearer" and token.strip() else None
        account = self._accounts.get(key) if key else None
        caller = key if account else (_BAD_KEY if key else _NO_KEY)

        fault = self._faults.take(path, key, method, template, "v2")
        faulted = self._faulted(fault, "v2", stats_path, caller, self._v2_fault_response)
        if faulted is not None:
            return faulted

        wait = self._v2_limiter.wait(f"ip:{client}")
        if wait:
            self._record("v2", stats_path, caller, 429, rate_limited=True)
            return self._v2_rate_limited(RateLimiter.retry_after(wait))

        created = False
        if not template:
            response = api_v2.error(404, api_v2.NOT_FOUND)
        elif route is None:
            response = api_v2.error(405, api_v2.METHOD_NOT_ALLOWED)
        elif account is None and not route.public:
            response = api_v2.error(401, api_v2.INVALID_TOKEN)
        else:
            try:
                call = api_v2.Call(
                    dict(parse_qsl(query, keep_blank_values=True)),
                    api_v2.parse_body(method, raw),
                    account,  # type: ignore[arg-type]
                    0.0,
                    args,
                    self._v2_not_found_seconds,
                )
                with self.lock:
                    call.now = self.clock.now()
                    try:
                        response = route.handler(call)
                    except Failed as failure:
                        raise api_v2.translate(failure) from None
            except api_v2.V2Error as failure:
                response = api_v2.error(failure.status, failure.message)
            created = route.handler is api_v2.create_instance and response.status == 202
        self._record("v2", stats_path, caller, response.status, server_created=created)
        return response

    @staticmethod
    def _v2_rate_limited(retry_after: str) -> Response:
        return Response(429, V2_RATE_LIMIT_BODY, JSON, headers=(("Retry-After", retry_after),))

    @staticmethod
    def _v2_fault_response(fault: Fault) -> Response:
        status = fault.status or 500
        if status == 429 and fault.body is None:
            return Simulator._v2_rate_limited(str(fault.retry_after))
        message = fault.body if fault.body is not None else _V2_FAULT_BODIES.get(status)
        response = api_v2.error(status, message or reasons.get(status, "Error"))
        if status == 429:
            retry = (("Retry-After", str(fault.retry_after)),)
            return Response(429, response.body, JSON, headers=retry)
        return response

    def _fault_body(self, fault: Fault) -> str:
        if fault.body is not None:
            return fault.body
        if fault.status == 503:
            return self._limiter.text()
        status = fault.status or 500
        return _FAULT_BODIES.get(status) or reasons.get(status, "Error")

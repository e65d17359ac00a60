"""The simulator: accounts, clock, rate limits and faults behind one ``handle()`` call.

``handle()`` knows nothing about sockets, so the HTTP server in :mod:`.httpd` stays a thin
adapter and the request pipeline reads top to bottom: control endpoints, injected faults,
routing (400/405), authentication (403), rate limit (503), the endpoint (200/412).
"""

from __future__ import annotations

import threading
import time
from http.client import responses as reasons
from typing import Any
from urllib.parse import parse_qsl

from . import control
from .api import ENDPOINTS, Call
from .clock import SimClock, fmt_datetime
from .demo import add_servers
from .demo import fill as fill_demo
from .state import Account, AccountExists, Failed, World
from .traffic import Fault, Faults, RateLimiter, Stats
from .wire import EMPTY, Response, json_response, text

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


def parse_form(data: str) -> dict[str, str]:
    return dict(parse_qsl(data, keep_blank_values=True))


class Simulator:
    def __init__(
        self, rate_limit: float = 2.0, speed: float = 1.0, provisioning_seconds: float = 60.0
    ) -> None:
        if provisioning_seconds < 0:
            raise ValueError("provisioning_seconds must be >= 0")
        self.clock = SimClock(speed)
        self.lock = threading.Lock()  # guards the accounts and everything in them
        self._world = World(self.clock, provisioning_seconds)
        self._accounts: dict[str, Account] = {}
        self._limiter = RateLimiter(rate_limit)
        self._faults = Faults()
        self._stats = Stats()

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

    def configure(
        self,
        rate_limit: float | None = None,
        speed: float | None = None,
        provisioning_seconds: float | None = None,
    ) -> dict[str, float]:
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

    def config(self) -> dict[str, float]:
        return {
            "rate_limit": self._limiter.rate,
            "speed": self.clock.speed,
            "provisioning_seconds": self._world.provisioning_seconds,
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
    ) -> None:
        """Make the next ``count`` v1 requests (matching ``path`` and ``key`` if given) fail.

        Each waits ``delay`` seconds first, then is dropped (``drop``), or answered with
        ``status`` and ``body`` (v1's text for that status by default). ``status`` defaults to
        500 unless ``delay`` or ``drop`` is given: a delay alone slows a request down and then
        serves it normally.
        """
        if status is None and not delay and not drop:
            status = 500
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        self._faults.add(Fault(count, status, body, delay or 0.0, drop, path, key))

    def faults(self) -> list[dict[str, Any]]:
        return self._faults.pending()

    def clear_faults(self, key: str | None = None) -> None:
        """Forget queued faults: all of them, or those injected for ``key``."""
        self._faults.clear(key)

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    # -- requests ------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        api_key_header: str | None = None,
        client: str = "",
    ) -> Response:
        """Answer one HTTP request. ``target`` is the request path with its query string."""
        path, _, query = target.partition("?")
        form = body.decode("utf-8", "replace") if method == "POST" else ""
        if path.startswith("/_sim/"):
            return control.handle(self, method, path, {**parse_form(query), **parse_form(form)})

        # POST reads the form body, but the query string counts too: python-vultr sends
        # api_key there for every method (reference §1).
        params = parse_form(query)
        params.update(parse_form(form))
        query_key = params.pop("api_key", None)
        key = api_key_header or query_key  # the header wins (reference §1)
        account = self._accounts.get(key) if key else None  # dict reads are atomic
        caller = key if account else (_BAD_KEY if key else _NO_KEY)
        endpoint = ENDPOINTS.get(path)
        stats_path = path if endpoint else _OTHER_PATH

        fault = self._faults.take(path, key)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self._stats.record(stats_path, caller, None)
                return Response(0, drop=True)
            if fault.status is not None:
                self._stats.record(stats_path, caller, fault.status)
                return text(fault.status, self._fault_body(fault))

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
        self._stats.record(
            stats_path, caller, response.status, rate_limited=rate_limited, server_created=created
        )
        return response

    def _fault_body(self, fault: Fault) -> str:
        if fault.body is not None:
            return fault.body
        if fault.status == 503:
            return self._limiter.text()
        status = fault.status or 500
        return _FAULT_BODIES.get(status) or reasons.get(status, "Error")

"""``/_sim/`` control endpoints for tests and demos: JSON in both directions, no key.

Not part of Vultr's API (either version). Parameters come as a form body or a query string,
like v1's own. The same endpoints serve v1 and v2: faults take ``api``/``method``/``kind``,
stats take ``?api=v1|v2``, and ``/_sim/ids`` gives both ids of an object.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .state import AccountExists
from .wire import Response, json_response

if TYPE_CHECKING:
    from .simulator import Simulator

Params = dict[str, str]
_ROUTES: dict[tuple[str, str], Callable[[Simulator, Params], Any]] = {}


class BadRequest(Exception):
    pass


def _route(method: str, path: str) -> Callable[[Callable], Callable]:
    def register(view: Callable) -> Callable:
        _ROUTES[(method, f"/_sim/{path}")] = view
        return view

    return register


def handle(sim: Simulator, method: str, path: str, params: Params) -> Response:
    view = _ROUTES.get((method, path))
    if view is None:
        known = any(p == path for _, p in _ROUTES)
        status, error = (405, "method not allowed") if known else (404, "no such control endpoint")
        return json_response({"error": error}, status)
    try:
        return json_response(view(sim, params))
    except AccountExists as error:
        return json_response({"error": str(error)}, 409)
    except (BadRequest, ValueError) as error:
        return json_response({"error": str(error)}, 400)


def _number(params: Params, name: str, kind: type = float, default: Any = None) -> Any:
    value = params.get(name, "")
    if value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None


def _flag(params: Params, name: str) -> bool:
    value = params.get(name, "no")
    if value not in ("yes", "no"):
        raise BadRequest(f"{name} must be yes or no")
    return value == "yes"


@_route("POST", "accounts")
def add_account(sim: Simulator, params: Params) -> Any:
    key = params.get("key", "")
    if not key:
        raise BadRequest("key is required")
    servers = _number(params, "servers", int, 0)
    account = sim.add_account(key, demo=_flag(params, "demo"), servers=servers)
    with sim.lock:
        return {"key": key, "servers": len(account.servers)}


@_route("GET", "clock")
def get_clock(sim: Simulator, params: Params) -> Any:
    return sim.clock_info()


@_route("POST", "clock")
def advance_clock(sim: Simulator, params: Params) -> Any:
    sim.advance(_number(params, "advance", default=0.0))
    return sim.clock_info()


@_route("GET", "faults")
def list_faults(sim: Simulator, params: Params) -> Any:
    return {"faults": sim.faults()}


@_route("POST", "faults")
def inject_fault(sim: Simulator, params: Params) -> Any:
    sim.inject_fault(
        count=_number(params, "count", int, 1),
        status=_number(params, "status", int),
        body=params.get("body"),
        delay=_number(params, "delay"),
        drop=_flag(params, "drop"),
        path=params.get("path") or None,
        key=params.get("key") or None,
        api=params.get("api") or None,
        method=params.get("method") or None,
        kind=params.get("kind") or None,
        retry_after=_number(params, "retry_after", int, 1),
    )
    return {"faults": sim.faults()}


@_route("POST", "faults/clear")
def clear_faults(sim: Simulator, params: Params) -> Any:
    sim.clear_faults(params.get("key") or None)
    return {"faults": sim.faults()}


@_route("GET", "stats")
def get_stats(sim: Simulator, params: Params) -> Any:
    return sim.stats(params.get("api") or None)


@_route("GET", "ids")
def get_ids(sim: Simulator, params: Params) -> Any:
    key, id = params.get("key", ""), params.get("id", "")
    if not key or not id:
        raise BadRequest("key and id are required")
    return sim.ids(key, id, params.get("kind") or None)


@_route("POST", "stats/reset")
def reset_stats(sim: Simulator, params: Params) -> Any:
    sim.reset_stats()
    return sim.stats()


@_route("GET", "config")
def get_config(sim: Simulator, params: Params) -> Any:
    return sim.config()


@_route("POST", "config")
def set_config(sim: Simulator, params: Params) -> Any:
    # Every setting `config` shows can be changed; one not given is left as it is.
    return sim.configure(**{name: _number(params, name) for name in sim.config()})

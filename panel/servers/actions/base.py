"""The machinery every action shares: who acts (`ActionContext`), the permission check, the
call to Vultr with the team's key, the audit entry, and cache invalidation.

A mutating action is one call to `perform`:

    @mutation(Perm.SUBSCRIPTIONS)
    def reboot_server(ctx: ActionContext, server_id: str) -> None:
        perform(ctx, Change(server_target(ctx, server_id), invalidates=server_scopes(server_id)),
                lambda vultr: vultr.server_reboot(server_id))

`perform` checks the permission (denied: one `denied` entry, then `ActionDenied`), refuses a
destructive change without a reason when the team asks for one, calls Vultr with a client made
for this call only (the key is decrypted there and nowhere else), writes exactly one audit
entry (`succeeded`, or `failed` with Vultr's own words) and invalidates the cached scopes.
Failures reach the caller as `ActionError`, whose text is ready to show next to the form.

A read is one call to `read`: permission check, then the per-key cache (panel/servers/cache.py),
which calls Vultr only when nobody else is already doing so. Reads are not audited.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections

from accounts.models import ApiKey, Team
from accounts.permissions import Perm, may
from accounts.roles import denial
from panel.audit import denials
from panel.audit.events import register_action
from panel.audit.models import AuditEntry, TeamSettings
from panel.audit.record import current_request
from panel.budget import tokens as budget
from panel.budget.tokens import namespace
from panel.middleware import client_ip
from panel.servers.cache import VultrCache
from panel.vultr import (
    AuthenticationError,
    ConnectionFailedError,
    InvalidParameterError,
    RateLimitedError,
    RequestFailedError,
    ServerError,
    ServerLockedError,
    VultrClient,
    VultrError,
    VultrTimeoutError,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import Membership, User
    from panel.vultr.domain import NewServer

logger = logging.getLogger("panel.servers.actions")

T = TypeVar("T")

# Parameters whose values never go into the audit log: a startup script or cloud-init user
# data may hold passwords. The entry keeps the fact that one was given, and its length.
SECRET_PARAMS = frozenset({"script", "userdata", "password", "api_key", "key", "default_password"})


# -- who acts --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ActionContext:
    """Everything an action needs to know about who asks, through which key, and why.

    Views build it with `from_request`; Celery tasks (which have no request) build it
    directly from the ids they carry: ``ActionContext(user=user, team=team, api_key_id=3,
    request_id=request_id)``.
    """

    user: User | None
    team: Team
    api_key_id: int | None = None
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    reason: str = ""
    # What the request already loaded, so that reads need not query it again: the member's
    # membership (as `team_view` found it) and the key row. Used only if they match the ids
    # above; a context without them (a task's) looks both up.
    membership: Membership | None = dataclasses.field(default=None, repr=False, compare=False)
    api_key: ApiKey | None = dataclasses.field(default=None, repr=False, compare=False)
    # The action being run (set by `@mutation`); `perform` takes its name and permission.
    action: Acting | None = dataclasses.field(default=None, repr=False, compare=False)
    # The token of the long operation this call is made for (a worker's): the hold that
    # operation has on its server does not stop its own requests (`Hold`).
    operation: str = ""

    @classmethod
    def from_request(
        cls,
        request: HttpRequest,
        api_key_id: int | None = None,
        *,
        reason: str = "",
        api_key: ApiKey | None = None,
        membership: Membership | None = None,
    ) -> ActionContext:
        """The context of a request that `team_view` has admitted (``request.team`` is set),
        or, with `membership`, of one it is refusing."""
        return cls(
            user=request.user,
            team=membership.team if membership is not None else request.team,
            api_key_id=api_key_id,
            request_id=getattr(request, "request_id", ""),
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            reason=reason.strip(),
            membership=membership or getattr(request, "membership", None),
            api_key=api_key,
        )

    def with_reason(self, reason: str) -> ActionContext:
        return dataclasses.replace(self, reason=reason.strip())

    def with_key(self, api_key_id: int) -> ActionContext:
        return dataclasses.replace(self, api_key_id=api_key_id)


# -- what can go wrong -----------------------------------------------------------------------


class ActionError(Exception):
    """The action did not happen (or may not have); `str(err)` says why, for the user.

    `vultr_error` is the provider library's error when Vultr (or the way to it) failed;
    `kind` names the failure for templates and tests: "refused" (v1's 412; v2's 400, 404 and
    500 "Server is currently locked"), "rejected" (403, the key), "rate_limited" (503), "timeout",
    "unreachable", "vultr_failed" (500), "invalid" (a parameter Vultr would refuse), or "panel"
    (our own rules).
    """

    def __init__(self, message: str, *, vultr_error: VultrError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.vultr_error = vultr_error

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        return _kind(self.vultr_error)


class ActionDenied(PermissionDenied):
    """The member's role does not allow the action; views answer 403.

    Deliberately not an `ActionError`: a view that shows action errors next to its form must
    not turn a refusal into an inline message.
    """


class NotFound(ActionError):
    """The server (or other object) is not in this Vultr account; views answer 404."""


class ServerHeld(ActionError):
    """A long operation is under way on the server and the change would interfere with it
    (a reboot in the middle of a reinstall); `hold` names it."""

    def __init__(self, message: str, hold: Hold) -> None:
        super().__init__(message)
        self.hold = hold


def _kind(err: VultrError | None) -> str:
    for cls, kind in _KINDS:
        if isinstance(err, cls):
            return kind
    return "panel" if err is None else "vultr_failed"


_KINDS: tuple[tuple[type[VultrError], str], ...] = (
    (RequestFailedError, "refused"),
    # v2's 500 "Server is currently locked" is v1's 412 "Server is still being deployed": a
    # refusal that did nothing (v2 reference §8.3), not Vultr failing.
    (ServerLockedError, "refused"),
    (AuthenticationError, "rejected"),
    (RateLimitedError, "rate_limited"),
    (VultrTimeoutError, "timeout"),
    (ConnectionFailedError, "unreachable"),
    (ServerError, "vultr_failed"),
    (InvalidParameterError, "invalid"),
)


def explain(err: VultrError, api_key: ApiKey | None, *, change: bool) -> str:
    """The message a user sees for a provider error: what happened, then Vultr's own words."""
    said = str(err) or type(err).__name__
    key = f"“{api_key.label}” ({api_key.masked})" if api_key is not None else "the API key"
    if isinstance(err, (RequestFailedError, ServerLockedError)):
        return f"Vultr refused: {said}"
    if isinstance(err, AuthenticationError):
        return (
            f"Vultr rejected the API key {key}: {said}. Someone who manages keys in this "
            "team can check or replace it."
        )
    if isinstance(err, RateLimitedError):
        return f"Vultr's rate limit was reached; try again in a moment. Vultr said: {said}"
    if isinstance(err, VultrTimeoutError):
        maybe = " It may still have happened: look before trying again." if change else ""
        return f"Vultr did not answer in time.{maybe}"
    if isinstance(err, ConnectionFailedError):
        maybe = " It may still have happened: look before trying again." if change else ""
        return f"Could not reach Vultr: {said}.{maybe}"
    if isinstance(err, ServerError):
        return f"Vultr failed: {said}"
    if isinstance(err, InvalidParameterError):
        return f"Not sent to Vultr: {said}"
    return f"Vultr answered unexpectedly: {said}"


# -- what an action acts on ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Target:
    type: str
    id: str
    label: str = ""


@dataclasses.dataclass(frozen=True)
class Change:
    """What `perform` needs to know about one call of a mutating action, besides what
    `@mutation` says of the action itself (name, permission, scopes it always invalidates).

    `params` are the user's inputs as they should appear in the audit log (secrets are
    removed by `perform`); `invalidates` the cache scopes the change makes stale. When Vultr
    answers with the id of something new, `result_as` says where the entry keeps it:
    "target_id", or the name of a parameter.
    """

    target: Target
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    invalidates: Iterable[str] = ()
    destructive: bool = False
    result_as: str | None = None
    # Would interfere with a long operation under way on the target server (power, reinstall,
    # restore, destroy, an address that reboots it): refused while one holds it (`Hold`).
    conflicts: bool = False
    # Given by `@mutation` (through the context) for the action functions; set here only by a
    # change made outside one (an operation's own request, `kinds._set_tag`).
    action: str = ""
    perm: Perm | None = None


@dataclasses.dataclass(frozen=True)
class Acting:
    """The mutating action being run: its name (the audit entry's), permission and the cache
    scopes it always makes stale. `@mutation` puts it in the context it calls the action with."""

    name: str
    perm: Perm
    invalidates: tuple[str, ...] = ()


# Scopes of the per-key cache (panel/servers/cache.py).
SERVERS = "servers"
SNAPSHOTS = "snapshots"
SSHKEYS = "sshkeys"
SCRIPTS = "scripts"
ACCOUNT = "account"
CATALOG = "catalog"


def server_scope(server_id: str) -> str:
    return f"server:{server_id}"


def server_scopes(server_id: str) -> tuple[str, ...]:
    """A change to a server: the list (its state), and its own addresses, backups, ..."""
    return (SERVERS, server_scope(server_id))


def server_target(ctx: ActionContext, server_id: str) -> Target:
    """The server as an audit target, named by the label last seen in its server list."""
    label = ""
    api_key = _find_key(ctx)
    if api_key is not None:
        label = _cache_for(api_key).label_of(server_id)
    return Target("server", server_id, label)


def listed_target(
    ctx: ActionContext,
    kind: str,
    scope: str,
    item_id: str,
    label: Callable[[Any], str] = lambda item: item.name,
) -> Target:
    """An account-wide item (SSH key, script, snapshot) as an audit target, named as the key's
    cached list (`scope`) last showed it; no request to Vultr for a name."""
    api_key = _find_key(ctx)
    listed = (_cache_for(api_key).peek(scope, "list") if api_key is not None else None) or []
    return Target(kind, item_id, next((label(i) for i in listed if i.id == item_id), ""))


def add_listed(
    ctx: ActionContext,
    kind: str,
    name: str,
    params: Mapping[str, Any],
    call: Callable[[VultrClient], T],
) -> T:
    """`perform` for adding an account-wide item (SSH key, script): the target is named by
    the new item's name, and the id Vultr answers with becomes the entry's target id."""
    return perform(ctx, Change(Target(kind, "", name), params=params, result_as="target_id"), call)


def on_listed(
    ctx: ActionContext,
    kind: str,
    scope: str,
    item_id: str,
    call: Callable[[VultrClient], T],
    *,
    params: Mapping[str, Any] | None = None,
    destructive: bool = False,
    label: Callable[[Any], str] = lambda item: item.name,
) -> T:
    """`perform` for a change to an account-wide item (SSH key, script, snapshot): the item
    is the target, named as its cached list last showed it (`listed_target`)."""
    change = Change(
        listed_target(ctx, kind, scope, item_id, label),
        params=params or {},
        destructive=destructive,
    )
    return perform(ctx, change, call)


def on_server(
    ctx: ActionContext,
    server_id: str,
    call: Callable[[VultrClient], T],
    *,
    params: Mapping[str, Any] | None = None,
    invalidates: Iterable[str] | None = None,
    destructive: bool = False,
    result_as: str | None = None,
    conflicts: bool = False,
) -> T:
    """`perform` for a change to one server: the server is the target (named by the label
    last seen in its list) and, unless told otherwise, the list and the server's own scopes
    go stale."""
    change = Change(
        server_target(ctx, server_id),
        params=params or {},
        invalidates=server_scopes(server_id) if invalidates is None else invalidates,
        destructive=destructive,
        result_as=result_as,
        conflicts=conflicts,
    )
    return perform(ctx, change, call)


# -- servers held by a long operation ----------------------------------------------------------
#
# The action layer never imports the operations app (pyproject.toml's import contracts): the
# operations app registers a finder at start-up (panel/operations/apps.py) that answers whether
# one of its operations holds a server, and this layer asks it before a conflicting change.


@dataclasses.dataclass(frozen=True)
class Hold:
    """A long operation under way on a server, which conflicting changes wait for."""

    operation: str  # what it does, as a person says it: "Reinstall server"
    started_by: str
    started_at: datetime
    url: str = ""  # its page

    def refusal(self, server: str) -> str:
        return (
            f"{self.operation} is under way on {server} (started by "
            f"{self.started_by or 'the panel'} at {self.started_at:%H:%M} UTC). Power, "
            "reinstall, restore and destroy wait until it has ended or has been cancelled."
        )


HoldFinder = Callable[["ActionContext", str], "Hold | None"]
_hold_finders: list[HoldFinder] = []


def register_hold_finder(finder: HoldFinder) -> None:
    """`finder(ctx, server_id)`: the `Hold` on the server of ctx's key, if any, leaving out
    the operation ctx acts for (`ActionContext.operation`)."""
    if finder not in _hold_finders:
        _hold_finders.append(finder)


def hold_on(ctx: ActionContext, server_id: str) -> Hold | None:
    """The long operation that holds the server, if one does (for pages and for `perform`)."""
    for finder in _hold_finders:
        found = finder(ctx, server_id)
        if found is not None:
            return found
    return None


# -- marking functions, for readers and for the test that every action is audited ------------


def mutation(
    perm: Perm, *, invalidates: Iterable[str] = ()
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Marks a function that changes something at Vultr (it must go through `perform`), names
    the permission it needs (so that a view can refuse before validating input) and the cache
    scopes it always makes stale, and hands all that, with the function's name, to `perform`
    through the context it calls the function with."""

    def mark(fn: Callable[..., T]) -> Callable[..., T]:
        acting = Acting(fn.__name__, perm, tuple(invalidates))

        @functools.wraps(fn)
        def run(ctx: ActionContext, *args: Any, **kwargs: Any) -> T:
            return fn(dataclasses.replace(ctx, action=acting), *args, **kwargs)

        run.action_kind = "mutation"  # type: ignore[attr-defined]
        run.perm = perm  # type: ignore[attr-defined]
        register_action(fn.__name__)  # the audit log's filters offer it
        return run

    return mark


def query(fn: Callable[..., T]) -> Callable[..., T]:
    """Marks a function that only reads (through `read`)."""
    fn.action_kind = "read"  # type: ignore[attr-defined]
    return fn


# -- the team's key --------------------------------------------------------------------------


def _find_key(ctx: ActionContext) -> ApiKey | None:
    if ctx.api_key_id is None:
        return None
    known = ctx.api_key
    if known is not None and known.pk == ctx.api_key_id and known.team_id == ctx.team.pk:
        return known
    # Scoped to the context's team: an id from another team is treated as gone.
    return ApiKey.objects.filter(pk=ctx.api_key_id, team=ctx.team).first()


def _require_key(ctx: ActionContext) -> ApiKey:
    api_key = _find_key(ctx)
    if api_key is None:
        raise NotFound(f"The API key {ctx.api_key_id} is not one of {ctx.team.name}'s keys.")
    return api_key


def _cache_for(api_key: ApiKey) -> VultrCache:
    return VultrCache(namespace(api_key.pk, api_key.ciphertext))


def cache_for(ctx: ActionContext) -> VultrCache:
    return _cache_for(_require_key(ctx))


def _client(api_key: ApiKey) -> VultrClient:
    # Every request first takes a token from the key's budget, shared by all processes.
    return budget.client(
        api_key,
        timeout=(min(5, settings.PANEL_VULTR_TIMEOUT), settings.PANEL_VULTR_TIMEOUT),
        max_retries=settings.PANEL_VULTR_RETRIES,
    )


def _deny_message(ctx: ActionContext, perm: Perm) -> str:
    # The words `team_view` uses for a page, the role named when the request loaded it.
    role = ctx.membership.get_role_display() if ctx.membership is not None else ""
    return denial(ctx.team.name, perm, role)


def _admit_denial(ctx: ActionContext, action: str) -> bool:
    """Whether to write this refusal now (repeats are counted: panel/audit/denials.py)."""
    request = current_request()
    return denials.admit(
        ctx.team.pk,
        getattr(ctx.user, "pk", None),
        actor_name=getattr(ctx.user, "username", "") or "",
        ip=ctx.ip,
        page=request.path if request is not None else action,
        request=request,
    )


# -- reads -----------------------------------------------------------------------------------


def _may_read(ctx: ActionContext, perm: Perm) -> bool:
    # The membership the request loaded a moment ago answers as well as a query would. Changes
    # always ask the database (`perform`, `check_allowed`).
    member = ctx.membership
    user = ctx.user
    if (
        member is not None
        and user is not None
        and user.is_active
        and member.team_id == ctx.team.pk
        and member.user_id == user.pk
    ):
        return member.may(perm)
    return may(user, ctx.team, perm)


def read(
    ctx: ActionContext,
    perm: Perm,
    scope: str,
    name: str,
    fetch: Callable[[VultrClient], T],
    *,
    seconds: float | None = None,
    after_fetch: Callable[[VultrCache, T], None] | None = None,
) -> T:
    """`fetch(client)`'s answer, from the key's cache when fresh (see panel/servers/cache.py)."""
    if not _may_read(ctx, perm):
        raise ActionDenied(_deny_message(ctx, perm))
    api_key = _require_key(ctx)
    store = _cache_for(api_key)

    def upstream() -> T:
        with _client(api_key) as vultr:
            value = fetch(vultr)
        if after_fetch is not None:
            after_fetch(store, value)
        return value

    try:
        return store.get_or_fetch(scope, name, upstream, seconds=seconds)
    except VultrError as err:
        raise ActionError(explain(err, api_key, change=False), vultr_error=err) from None


# Threads for `together`: a page's reads are a handful at most, and each thread mostly waits on
# Vultr (or on the key's budget), so a few serve every request of the process.
_READERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vultr-read")


def together(*calls: tuple[ActionContext, Callable[[], T]]) -> list[T]:
    """Runs independent reads at once and returns their results in order (an exception is
    raised where its result would be): a page with three reads waits for the slowest, not
    for the sum. Each call is (its context, a function of no arguments).

    The key's budget still spaces requests as it must (a v1 key's 2/s with a burst of 1 lets
    one through at a time; v2's burst lets several go together), and the cache still answers
    first. What the threads need from the database (the key, the budget's settings) is read
    here first, so that they touch only Redis and Vultr: a thread's own database connection
    would not see the request's open transaction.
    """
    if len(calls) < 2:
        return [call() for _, call in calls]
    for ctx, _ in calls:
        api_key = _find_key(ctx)
        if api_key is not None:
            budget.config_for(api_key.pk)
    futures = [
        _READERS.submit(contextvars.copy_context().run, _own_connections, call) for _, call in calls
    ]
    return [future.result() for future in futures]


def _own_connections(call: Callable[[], T]) -> T:
    try:
        return call()
    finally:
        # Whatever the thread opened is its own: closed now, not left to the pool thread.
        connections.close_all()


# -- changes ---------------------------------------------------------------------------------


def read_server(
    ctx: ActionContext,
    server_id: str,
    name: str,
    fetch: Callable[[VultrClient], T],
    *,
    seconds: float | None = None,
) -> T:
    """`read` of something about one server (its addresses, bandwidth, ...) for anyone who sees
    servers, cached in the server's own scope, which every change to the server makes stale."""
    return read(ctx, Perm.SUBSCRIPTIONS_VIEW, server_scope(server_id), name, fetch, seconds=seconds)


def _entry(ctx: ActionContext, action: str, target: Target, params: Mapping[str, Any]):
    return AuditEntry(
        team=ctx.team,
        actor=ctx.user if getattr(ctx.user, "pk", None) else None,
        actor_name=getattr(ctx.user, "username", "") or "",
        api_key_id=ctx.api_key_id,
        action=action,
        target_type=target.type,
        target_id=target.id,
        target_label=target.label[:255],
        params=clean_params(params),
        request_id=ctx.request_id[:64],
        ip=ctx.ip,
        user_agent=ctx.user_agent[:300],
        reason=ctx.reason,
    )


def check_allowed(ctx: ActionContext, action: Callable[..., Any], target: Target) -> None:
    """Refuses (with a `denied` entry) a member who may not do `action` at all.

    For views, which validate the input before calling the action: a member without the
    permission gets 403 whatever they sent, and the attempt is on the record.
    """
    perm: Perm = action.perm  # type: ignore[attr-defined]
    if not may(ctx.user, ctx.team, perm):
        raise refuse(ctx, action, target, _deny_message(ctx, perm))


def refuse(
    ctx: ActionContext, action: Callable[..., Any], target: Target, message: str
) -> ActionDenied:
    """Records that `action` was refused (a `denied` entry under its name, repeats counted
    rather than written: panel/audit/denials.py); returns the error to raise."""
    if _admit_denial(ctx, action.__name__):
        entry = _entry(ctx, action.__name__, target, {})
        entry.outcome, entry.error = AuditEntry.Outcome.DENIED, message
        entry.save()
    return ActionDenied(message)


def perform(ctx: ActionContext, change: Change, call: Callable[[VultrClient], T]) -> T:
    """Runs one mutating action: see the module docstring. Returns `call`'s result."""
    acting = ctx.action
    if acting is None or change.action:
        acting = Acting(change.action, change.perm or Perm.PROVISIONING)
    perm = change.perm or acting.perm
    change = dataclasses.replace(
        change,
        action=acting.name,
        perm=perm,
        invalidates=(*acting.invalidates, *change.invalidates),
    )
    entry = _entry(ctx, change.action, change.target, change.params)

    # An AuditEntry.Outcome (Django's choices are untyped here, hence Any).
    def record(outcome: Any, error: str = "") -> None:
        entry.outcome, entry.error = outcome, error
        entry.save()

    if not may(ctx.user, ctx.team, perm):
        message = _deny_message(ctx, perm)
        if _admit_denial(ctx, change.action):
            record(AuditEntry.Outcome.DENIED, message)
        raise ActionDenied(message)

    if change.destructive and not ctx.reason and TeamSettings.for_team(ctx.team).require_reason:
        message = f"{ctx.team.name} asks for a written reason for this action."
        record(AuditEntry.Outcome.FAILED, message)
        raise ActionError(message)

    if change.conflicts and change.target.type == "server" and change.target.id:
        hold = hold_on(ctx, change.target.id)
        if hold is not None:
            message = hold.refusal(change.target.label or change.target.id)
            record(AuditEntry.Outcome.FAILED, message)
            raise ServerHeld(message, hold)

    api_key = _find_key(ctx)
    if api_key is None:
        message = f"The API key {ctx.api_key_id} is not one of {ctx.team.name}'s keys."
        record(AuditEntry.Outcome.FAILED, message)
        raise NotFound(message)

    try:
        with _client(api_key) as vultr:
            result = call(vultr)
    except VultrError as err:
        record(AuditEntry.Outcome.FAILED, str(err) or type(err).__name__)
        # A request that timed out may have been carried out: the lists may be stale too.
        _cache_for(api_key).invalidate(change.invalidates)
        raise ActionError(explain(err, api_key, change=True), vultr_error=err) from None
    except ActionError as err:
        # Our own refusal from inside the call (Vultr answered, but not with what was needed).
        record(AuditEntry.Outcome.FAILED, str(err))
        raise
    except Exception as err:
        # A bug, not Vultr: still on the record, then let it surface as one.
        record(AuditEntry.Outcome.FAILED, f"Internal error: {type(err).__name__}")
        raise
    if change.result_as and result is not None:
        if change.result_as == "target_id":
            entry.target_id = str(result)
        else:
            entry.params = {**entry.params, change.result_as: str(result)}
    record(AuditEntry.Outcome.SUCCEEDED)
    _cache_for(api_key).invalidate(change.invalidates)
    logger.info(
        "%s %s %s:%s by %s (request %s)",
        change.action,
        "succeeded",
        change.target.type,
        change.target.id,
        entry.actor_name,
        ctx.request_id,
    )
    return result


def clean_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """`params` as JSON-ready values, with secret values replaced by a note of their length."""
    cleaned: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if name in SECRET_PARAMS:
            cleaned[name] = f"[removed, {len(str(value))} characters]"
        elif isinstance(value, str | int | float | bool):
            cleaned[name] = value
        elif isinstance(value, list | tuple | set | frozenset):
            cleaned[name] = [str(v) for v in value]
        else:
            cleaned[name] = str(value)
    return cleaned


def order_options(new: NewServer) -> dict[str, Any]:
    """The options of an order that differ from the provider library's defaults, by the names
    `VultrClient.server_create` takes (the audit entry leaves secrets such as userdata out)."""
    options: dict[str, Any] = {}
    for field in dataclasses.fields(new):
        value = getattr(new, field.name)
        if field.name in ("region_id", "plan_id", "os_id") or value != field.default:
            options[field.name] = value
    return options

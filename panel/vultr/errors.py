"""Exceptions raised by the Vultr provider library.

One root, `VultrError`, so callers can catch everything the provider does with one clause
(hcloud-python's `APIException` is the model). Each subclass names one failure kind so that
views and tasks can react to it (ask for a new key on `AuthenticationError`, back off on
`RateLimitedError`) without looking at status codes.

`str(err)` is the text to show a user: Vultr's own error text where there is one (v1 error
bodies are plain text, v1 reference §2; v2 bodies are `{"error": ..., "status": ...}` and the
message is their `error`, v2 reference §1.3), otherwise a fixed description of the status.
`retryable` says whether sending the *same* request again is safe; the transport sets it per
request, because a timeout is harmless to repeat for a read but may bill twice for a
`server/create`.

These objects never hold the API key: the transport redacts it from any text it puts here,
and the underlying `requests` exception (whose `.request` carries the key's header) is not
chained.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

__all__ = [
    "AuthenticationError",
    "ConnectionFailedError",
    "InvalidLocationError",
    "InvalidParameterError",
    "MethodNotAllowedError",
    "NotFoundError",
    "RateLimitedError",
    "RequestFailedError",
    "ServerError",
    "ServerLockedError",
    "UnexpectedResponseError",
    "VultrError",
    "VultrTimeoutError",
]


class VultrError(Exception):
    """Root of every error the provider library raises."""

    #: Default for errors whose kind alone settles it; the transport may override per instance.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"method={self.method!r}, path={self.path!r}, retryable={self.retryable!r})"
        )


class ErrorContext(TypedDict, total=False):
    """The keyword arguments of `VultrError`, for subclasses that pass them on unchanged."""

    status: int | None
    method: str | None
    path: str | None
    retryable: bool | None


class InvalidParameterError(VultrError, ValueError):
    """A parameter was missing or malformed; raised before any request is sent.

    Also a `ValueError`, so code that validates input generically still catches it.
    """

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem

    def __reduce__(self) -> tuple[type[InvalidParameterError], tuple[str, str]]:
        # Errors may cross process boundaries (Celery results), so they must unpickle.
        return type(self), (self.parameter, self.problem)


class InvalidLocationError(VultrError):
    """HTTP 400 from API v1: Vultr does not know the URL (unknown group or action)."""


class AuthenticationError(VultrError):
    """HTTP 403 (v1), 401 or 403 (v2): missing or invalid key, a source IP outside the key's
    allow-list, or a missing ACL (reference §1, §2)."""


class MethodNotAllowedError(VultrError):
    """HTTP 405: GET used where Vultr wants POST, or the other way round."""


class RequestFailedError(VultrError):
    """Vultr refused the request; `message` is its explanation ("Invalid server.").

    HTTP 412 from API v1; HTTP 400 (and 422) from API v2 ("Invalid plan chosen.")."""


class NotFoundError(RequestFailedError):
    """HTTP 404 from API v2: no such object in this account ("instance not found").

    A `RequestFailedError`, because v1 said the same thing as a 412 ("Invalid server."), so
    code written against v1 handles it unchanged. Vultr also answers it for a few seconds
    right after a successful create (v2 reference §8.2): callers waiting for a new server
    should treat it as "not visible yet", not as "gone"."""


class ServerError(VultrError):
    """HTTP 500 (and 502-504 from API v2): Vultr failed internally. Safe to retry only for
    reads: a failed POST may have been partly carried out.

    `locked` is True for v2's "Server is currently locked" (a destroy or power action while the
    server is still being built or changed, v2 reference §1.3, §8.3): nothing was done, and the
    same request succeeds once the server is unlocked. Such errors are `ServerLockedError`s."""

    locked: bool = False


class ServerLockedError(ServerError):
    """HTTP 500 "Server is currently locked" (API v2): wait for the server, then try again."""

    locked = True


class RateLimitedError(VultrError):
    """HTTP 503 (v1) or 429 (v2): the rate limit was hit (reference §3; v2 reference §1.4).
    Vultr rejects the request before doing anything, so a retry after a pause is always safe.

    `retry_after` is the pause Vultr asked for in its `Retry-After` header, in seconds, or
    None when it named none."""

    retryable = True

    def __init__(
        self, message: str, *, retry_after: float | None = None, **context: Unpack[ErrorContext]
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class VultrTimeoutError(VultrError, TimeoutError):
    """No complete answer within the timeout. For a POST the request may still have run.

    Also a `TimeoutError`, so generic timeout handling catches it.
    """


class ConnectionFailedError(VultrError):
    """The connection could not be opened, or broke before an answer arrived."""


class UnexpectedResponseError(VultrError):
    """An answer the API version's protocol does not allow: an unknown status code (in v2 also
    a success code other than the one the call answers with), a body that is not the JSON
    expected, or JSON of the wrong shape."""

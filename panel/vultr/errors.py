"""Exceptions raised by the Vultr provider library.

One root, `VultrError`, so callers can catch everything the provider does with one clause
(hcloud-python's `APIException` is the model). Each subclass names one failure kind so that
views and tasks can react to it (ask for a new key on `AuthenticationError`, back off on
`RateLimitedError`) without looking at status codes.

`str(err)` is the text to show a user: Vultr's own plain-text error body where there is one
(reference §2: v1 error bodies are plain text, not JSON), otherwise a fixed description of the
status taken from the v1 docs. `retryable` says whether sending the *same* request again is
safe; the transport sets it per request, because a timeout is harmless to repeat for a read
but may bill twice for a `server/create`.

These objects never hold the API key: the transport redacts it from any text it puts here,
and the underlying `requests` exception (whose `.request` carries the `API-Key` header) is not
chained.
"""

from __future__ import annotations


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
    """HTTP 400: Vultr does not know the URL (unknown group or action)."""


class AuthenticationError(VultrError):
    """HTTP 403: missing or invalid key, a source IP outside the key's allow-list, or a
    missing ACL (reference §1, §2)."""


class MethodNotAllowedError(VultrError):
    """HTTP 405: GET used where Vultr wants POST, or the other way round."""


class RequestFailedError(VultrError):
    """HTTP 412: Vultr refused the request; `message` is its explanation ("Invalid server.")."""


class ServerError(VultrError):
    """HTTP 500: Vultr failed internally. Safe to retry only for reads: a failed POST may
    have been partly carried out."""


class RateLimitedError(VultrError):
    """HTTP 503: the rate limit was hit (reference §3). Vultr rejects the request before
    doing anything, so a retry after a pause is always safe."""

    retryable = True


class VultrTimeoutError(VultrError, TimeoutError):
    """No complete answer within the timeout. For a POST the request may still have run.

    Also a `TimeoutError`, so generic timeout handling catches it.
    """


class ConnectionFailedError(VultrError):
    """The connection could not be opened, or broke before an answer arrived."""


class UnexpectedResponseError(VultrError):
    """An answer the v1 protocol does not allow: an unknown status code, a body that is not
    the JSON expected, or JSON of the wrong shape."""

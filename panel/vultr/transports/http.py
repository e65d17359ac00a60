"""HTTP plumbing shared by the transports: one keep-alive session, timeouts, the caller's rate
limiter, retries where they are safe, logging and a metrics hook.

It knows nothing of any API version's paths or payloads. A transport hands it a `check`
function that turns an unsuccessful response into the right `VultrError`; this module decides,
from each error's `retryable`, whether to send the request again.

Retry policy (DESIGN: "retries only where safe"):

- A GET has no side effects, so it is retried on 500, 503, timeouts and connection failures.
- A POST changes something, and `server/create` bills on every success, so a POST is retried
  only when the request certainly did not take effect: a 503 (v1 answers it from the rate
  limiter before doing any work, reference §3), a connect timeout, or a refused connection.
  A POST that timed out, lost its connection or got a 500 is *not* retried: it may have
  been carried out, and the caller has to look before trying again.

A 429 (v2) may name a `Retry-After`; the retry waits at least that long, and a request told to
wait longer than `MAX_RETRY_AFTER_SECONDS` is not retried here at all: the error (with its
`retry_after`) goes to the caller, whose budget can pause every request instead of this one
blocking a worker. Every rate-limit answer (v2's 429, v1's 503) is also reported to the
caller's `on_rate_limited(retry_after)` as it arrives, before any retry, so that a budget shared
by other processes can hold them back too (v2 counts requests per source IP, not per key).

The API key travels only in a request header. Redirects are not followed, because `requests`
would forward a custom header such as `API-Key` to whatever host the redirect names. Text taken
from an answer or a transport failure is scrubbed of the key before it goes into an error, so
not even a misbehaving server echoing the key can get it into an exception or a log line.
`RawResponse` bodies are left exactly as received: they are the caller's data.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

from ..errors import ConnectionFailedError, RateLimitedError, VultrError, VultrTimeoutError
from ..secrets import scrub

logger = logging.getLogger("panel.vultr")

RateLimiter = Callable[[], None]
"""Called with no arguments before every attempt; blocks until a request may be sent."""

ResponseHook = Callable[[str, str, int | None, float], None]
"""Called after every attempt with (method, path, status or None if no answer, seconds)."""

RateLimitedHook = Callable[[float | None], None]
"""Called when Vultr answers with its rate limit (v2's 429, v1's 503), with the seconds its
`Retry-After` asks for, or None when it names none (v1 never does)."""

Params = Mapping[str, str | list[str]]

Check = Callable[["RawResponse", str, str], None]
"""Raises the `VultrError` for an unsuccessful response; given (response, method, path)."""

# First retry after 0.25 to 0.5 s: libcloud retries a 503 after 0.5 s and govultr after about
# 0.6 s (reference §3), which suits a limit of 2 requests/s. Doubling from there, capped.
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0

# A Retry-After longer than this is handed to the caller rather than slept through here.
MAX_RETRY_AFTER_SECONDS = 10.0

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class RawResponse:
    """An HTTP answer as received."""

    status: int
    body_text: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        """The body parsed as JSON; raises `ValueError` if it is not JSON."""
        return json.loads(self.body_text)


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach Vultr, the same for every API version: all an `HttpClient` needs but the
    key (which each version sends its own way)."""

    base_url: str
    timeout: float | tuple[float, float]
    max_retries: int
    rate_limiter: RateLimiter | None
    on_response: ResponseHook | None
    session: requests.Session | None
    sleep: Callable[[float], None]
    on_rate_limited: RateLimitedHook | None = None


class HttpClient:
    """Sends one request with retries; owns the `requests.Session` unless given one.

    Not thread-safe (neither is `requests.Session`): use one client per thread or task.
    """

    def __init__(
        self, connection: Connection, *, auth_headers: Mapping[str, str], secret: str
    ) -> None:
        self.base_url = connection.base_url.rstrip("/")
        self._auth_headers = dict(auth_headers)
        self._secret = secret
        self._timeout = connection.timeout
        self._max_retries = connection.max_retries
        self._rate_limiter = connection.rate_limiter
        self._on_response = connection.on_response
        self._on_rate_limited = connection.on_rate_limited
        self._owns_session = connection.session is None
        self._session = connection.session or requests.Session()
        self._sleep = connection.sleep

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def request(
        self,
        method: str,
        path: str,
        params: Params,
        *,
        check: Check | None,
        json_body: Any = None,
    ) -> RawResponse:
        """Sends `params` (query string for GET, form body for other methods) and returns the
        answer. With `json_body`, `params` go in the query string and `json_body` is sent as
        JSON (API v2).

        With `check`, unsuccessful answers raise and are retried when safe. Without it every
        answer is returned as is; only transport failures raise (and are retried when safe).
        """
        attempt = 0
        while True:
            try:
                response = self._attempt(method, path, params, json_body)
                if check is not None:
                    # Error messages quote the body; the body must not carry the key into them.
                    scrubbed = replace(response, body_text=self.redact(response.body_text))
                    try:
                        check(scrubbed, method, path)
                    except RateLimitedError as err:
                        # Vultr's own answer (the budget's refusal comes from the rate limiter,
                        # before anything is sent, and is not reported).
                        self._report_rate_limited(err, method, path)
                        raise
                return response
            except VultrError as err:
                if not err.retryable or attempt >= self._max_retries:
                    raise
                retry_after = getattr(err, "retry_after", None) or 0.0
                if retry_after > MAX_RETRY_AFTER_SECONDS:
                    raise
                attempt += 1
                delay = max(_backoff(attempt), retry_after)
                logger.warning(
                    "%s %s failed (%s, status %s); retry %d of %d in %.2fs",
                    method,
                    path,
                    type(err).__name__,
                    err.status,
                    attempt,
                    self._max_retries,
                    delay,
                )
                self._sleep(delay)

    def _attempt(self, method: str, path: str, params: Params, json_body: Any) -> RawResponse:
        if self._rate_limiter is not None:
            self._rate_limiter()
        payload: dict[str, Any]
        if json_body is not None:
            payload = {"params": params, "json": json_body}
        elif method == "GET":
            payload = {"params": params}
        else:
            payload = {"data": params}
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                headers=self._auth_headers,
                timeout=self._timeout,
                allow_redirects=False,
                **payload,
            )
        except requests.RequestException as exc:
            self._report(method, path, None, time.monotonic() - started)
            # Not chained: `exc.request` holds the prepared request, key header included.
            raise self._transport_error(exc, method, path) from None
        self._report(method, path, response.status_code, time.monotonic() - started)
        return RawResponse(
            status=response.status_code,
            body_text=response.text,
            headers=CaseInsensitiveDict(response.headers),
        )

    def redact(self, text: str) -> str:
        """`text` without the API key (in any case, or 12 or more characters of it), for
        anything that may end up in an error or log."""
        return scrub(text, (self._secret,), REDACTED)

    def _transport_error(
        self, exc: requests.RequestException, method: str, path: str
    ) -> VultrError:
        retryable = method == "GET" or _never_sent(exc)
        if isinstance(exc, requests.Timeout):
            return VultrTimeoutError(
                f"Vultr did not answer in time ({method} {path})",
                method=method,
                path=path,
                retryable=retryable,
            )
        return ConnectionFailedError(
            self.redact(f"Could not talk to Vultr ({method} {path}): {exc}"),
            method=method,
            path=path,
            retryable=retryable,
        )

    def _report_rate_limited(self, err: RateLimitedError, method: str, path: str) -> None:
        if self._on_rate_limited is None:
            return
        try:
            self._on_rate_limited(err.retry_after)
        except Exception:
            # As for `on_response`: the caller's bookkeeping must not change the outcome.
            logger.exception("on_rate_limited hook failed for %s %s", method, path)

    def _report(self, method: str, path: str, status: int | None, elapsed: float) -> None:
        logger.debug("%s %s -> %s in %.3fs", method, path, status, elapsed)
        if self._on_response is None:
            return
        try:
            self._on_response(method, path, status, elapsed)
        except Exception:
            # A broken metrics hook must not turn a completed server/create into an error:
            # the caller would lose the new SUBID and might create the server again.
            logger.exception("on_response hook failed for %s %s", method, path)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Vultr: no connection was ever made."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _backoff(attempt: int) -> float:
    """Capped exponential backoff with "equal jitter": at least half the step, so workers
    sharing a rate limit spread out without any of them retrying straight into it."""
    step = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** (attempt - 1))
    return step / 2 + random.uniform(0, step / 2)

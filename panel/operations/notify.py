"""Telling people that an operation ended: an in-app notice to the actor, and the team's alert
addresses (email, webhook) for servers that are ready and operations that failed.

Deliveries are `AlertDelivery` rows sent by a Celery task (`deliver_alert`), each attempt
logged on the row; a failed attempt is retried with capped, jittered backoff up to
MAX_ATTEMPTS times.

Webhooks go only to http(s) URLs on an allowed port (PANEL_WEBHOOK_PORTS, 80 and 443 by
default) whose host resolves to public addresses. A URL that points at loopback, a private or
link-local network (the cloud metadata service at 169.254.169.254 included), any other
non-global address, or an IPv6 form that embeds one (IPv4-mapped, NAT64 64:ff9b::/96, 6to4
2002::/16, Teredo) is refused when it is saved and again right before each delivery, unless
PANEL_WEBHOOK_ALLOW_PRIVATE is true (a panel inside a private network; tests).

The host is resolved once per delivery, and the request goes to the address that was checked
(`PinnedAdapter`: the URL names the IP, the Host header and the TLS server name and certificate
check name the host). Resolving again when connecting would let a DNS server that answers a
public address to the check and an inner one to the connection (DNS rebinding) bounce the
request inward. Redirects are not followed, for the same reason. A receiver's non-2xx answer is
logged by its status code only: its body could be a page of an inner service.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from datetime import timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

import requests
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from requests.adapters import HTTPAdapter

from panel.audit import scrub

from .models import AlertDelivery, AlertTarget, Notice, Operation
from .retry import backoff

logger = logging.getLogger("panel.operations")

MAX_ATTEMPTS = 6
# 30 s, 1 min, 2 min, 4 min, 8 min (with jitter): a receiver has about a quarter of an hour
# to come back.
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 900.0
WEBHOOK_TIMEOUT = (5.0, 10.0)

Status = Operation.Status


def event_of(op: Operation) -> str | None:
    """The alert event an ended operation raises: "ready" for a new server, "failed"."""
    if op.status == Status.SUCCEEDED and op.kind == Operation.Kind.CREATE_SERVER:
        return "ready"
    if op.status == Status.FAILED:
        return "failed"
    return None


def summary(op: Operation) -> str:
    name = op.target_label or op.target_id or "the new server"
    ip = op.result.get("main_ip")
    if op.status == Status.SUCCEEDED:
        if op.kind == Operation.Kind.CREATE_SERVER:
            return f"Server {name} is ready{f' at {ip}' if ip else ''}."
        return f"{op.get_kind_display()} of {name} succeeded."
    if op.status == Status.FAILED:
        return f"{op.get_kind_display()} of {name} failed: {op.error}"
    return f"{op.get_kind_display()} of {name} was cancelled."


def operation_ended(op: Operation) -> None:
    """Called once, by whoever ended the operation."""
    if op.actor_id is not None:
        level = {
            Status.SUCCEEDED: Notice.Level.SUCCESS,
            Status.FAILED: Notice.Level.ERROR,
        }.get(op.status, Notice.Level.INFO)
        Notice.objects.create(
            user_id=op.actor_id,
            team_id=op.team_id,
            operation=op,
            level=level,
            text=scrub.text(summary(op))[:500],
        )
    event = event_of(op)
    if event is None:
        return
    for target in AlertTarget.objects.filter(team_id=op.team_id):
        if target.wants(event):
            delivery = AlertDelivery.objects.create(target=target, operation=op, event=event)
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk))


def _enqueue(delivery_id: int, countdown: float = 0) -> None:
    deliver_alert.apply_async((delivery_id,), countdown=countdown)


@shared_task(name="panel.tasks.deliver_alert", acks_late=True, ignore_result=True)
def deliver_alert(delivery_id: int) -> None:
    """Send one alert (email or webhook); re-queued with backoff while it fails."""
    delay = deliver(delivery_id)
    if delay is not None:
        deliver_alert.apply_async((delivery_id,), countdown=delay)


# -- what is sent --------------------------------------------------------------------------


def payload(op: Operation, event: str) -> dict[str, Any]:
    """The webhook's JSON body: the operation, and the server with its IP address."""
    url = reverse("operations:detail", kwargs={"team": op.team.slug, "operation_id": op.pk})
    return {
        "event": event,
        "team": op.team.slug,
        "operation": {
            "id": op.pk,
            "token": op.token,
            "kind": op.kind,
            "status": op.status,
            "error": op.error,
            "actor": op.actor_name,
            "params": op.params,
            "created_at": op.created_at.isoformat(),
            "finished_at": op.finished_at.isoformat() if op.finished_at else None,
            "steps": [
                {"name": s.name, "label": s.label, "at": s.at.isoformat()} for s in op.steps.all()
            ],
            "path": url,
        },
        "server": {
            "id": op.target_id,
            "label": op.target_label or op.result.get("label", ""),
            "main_ip": op.result.get("main_ip") or op.last_state.get("main_ip") or None,
        },
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- where it may go -----------------------------------------------------------------------


# The NAT64 well-known prefix (RFC 6052): its last 32 bits are an IPv4 address that a NAT64
# gateway on the path would reach.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: mapped, NAT64, 6to4, Teredo."""
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    return found


def refused_address(ip: str) -> bool:
    """True for addresses a webhook must not reach: anything not globally routable, and IPv6
    forms that carry such an IPv4 address inside."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(not inner.is_global for inner in embedded):
            return True
    return not address.is_global or address.is_multicast


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise ValidationError("The webhook URL's port is not a number from 1 to 65535.") from None
    return port or (443 if parts.scheme == "https" else 80)


def resolve_webhook_url(url: str) -> tuple[SplitResult, str]:
    """Check `url` (see the module docstring) and return it split, with the one address the
    request must go to. Raises ValidationError naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError("A webhook URL must start with http:// or https://.")
    if not parts.hostname:
        raise ValidationError("The webhook URL has no host.")
    if parts.username or parts.password:
        raise ValidationError("Put no user name or password in the webhook URL.")
    port = _port(parts)
    allowed = settings.PANEL_WEBHOOK_PORTS
    if port not in allowed:
        names = ", ".join(str(p) for p in sorted(allowed)) if len(allowed) < 10 else "other ports"
        raise ValidationError(
            f"Webhooks may use port {names} only, not {port} (PANEL_WEBHOOK_PORTS)."
        )
    try:
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as err:
        raise ValidationError(f"The webhook host does not resolve: {err}") from None
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))
    if not addresses:
        raise ValidationError("The webhook host does not resolve to any address.")
    if not settings.PANEL_WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if refused_address(address):
                raise ValidationError(
                    f"{parts.hostname} resolves to {address}, which is not a public address; "
                    "webhooks may not reach the panel's own network."
                )
    return parts, addresses[0]


def check_webhook_url(url: str) -> None:
    """Raises ValidationError unless `url` may receive webhooks (see the module docstring)."""
    resolve_webhook_url(url)


class PinnedAdapter(HTTPAdapter):
    """Connects to the URL's host (an IP address) while TLS sends and checks the name the user
    gave: SNI and certificate verification against `hostname`, not the address."""

    def __init__(self, hostname: str, **kwargs: Any) -> None:
        self.hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        # Dropped by urllib3 for plain http, where there is no TLS.
        pool_kwargs["server_hostname"] = self.hostname
        pool_kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **pool_kwargs)


def _pinned_url(parts: SplitResult, address: str) -> tuple[str, str]:
    """The URL with `address` in place of the host, and the Host header that names the host."""
    host = f"[{address}]" if ":" in address else address
    netloc = f"{host}:{parts.port}" if parts.port else host
    hostname = parts.hostname or ""
    named = f"[{hostname}]" if ":" in hostname else hostname
    header = f"{named}:{parts.port}" if parts.port else named
    return parts._replace(netloc=netloc).geturl(), header


# -- delivering ----------------------------------------------------------------------------


def deliver(delivery_id: int) -> float | None:
    """One attempt to deliver; returns the seconds until the next attempt, or None if done."""
    delivery = (
        AlertDelivery.objects.select_related("target", "operation", "operation__team")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != AlertDelivery.Status.PENDING:
        return None
    target, op = delivery.target, delivery.operation
    started = time.monotonic()
    status: int | None = None
    try:
        if target.channel == AlertTarget.Channel.EMAIL:
            send_mail(
                f"[{op.team.name}] {summary(op)[:150]}",
                _email_body(op),
                settings.DEFAULT_FROM_EMAIL,
                [target.address],
            )
            error = ""
        else:
            status, error = _post_webhook(target, op, delivery.event)
    except ValidationError as err:
        # The address itself is refused: trying again cannot help.
        delivery.record(status=None, error=" ".join(err.messages), seconds=0.0)
        delivery.status = AlertDelivery.Status.FAILED
        delivery.save(update_fields=["log", "attempts", "status"])
        logger.warning("alert %s refused: %s", delivery.pk, err.messages)
        return None
    except Exception as err:  # a mail server or network failure: try again later
        status, error = None, f"{type(err).__name__}: {err}"
    delivery.record(status=status, error=error, seconds=time.monotonic() - started)
    if not error:
        delivery.status = AlertDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=["log", "attempts", "status", "delivered_at", "next_attempt_at"]
        )
        logger.info("alert %s delivered to %s", delivery.pk, target)
        return None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = AlertDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save(update_fields=["log", "attempts", "status", "next_attempt_at"])
        logger.warning("alert %s to %s failed for good: %s", delivery.pk, target, error)
        return None
    delay = backoff(delivery.attempts, BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS)
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.save(update_fields=["log", "attempts", "next_attempt_at"])
    logger.info("alert %s to %s failed (%s); retry in %.0f s", delivery.pk, target, error, delay)
    return delay


def _post_webhook(target: AlertTarget, op: Operation, event: str) -> tuple[int | None, str]:
    parts, address = resolve_webhook_url(target.address)
    url, host = _pinned_url(parts, address)
    body = json.dumps(payload(op, event), separators=(",", ":")).encode()
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: it would resolve the host
        session.mount(f"{parts.scheme}://", PinnedAdapter(parts.hostname or ""))
        try:
            response = session.post(
                url,
                data=body,
                headers={
                    "Host": host,
                    "Content-Type": "application/json",
                    "User-Agent": "vultr-panel-webhook",
                    "X-Panel-Event": event,
                    "X-Panel-Signature": signature(target.secret, body),
                },
                timeout=WEBHOOK_TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as err:
            return None, f"{type(err).__name__}: {err}"
        if 200 <= response.status_code < 300:
            return response.status_code, ""
        # The status only: the body of an answer from who knows where is never shown.
        return response.status_code, f"HTTP {response.status_code}"


def _email_body(op: Operation) -> str:
    lines = [summary(op), ""]
    if op.result.get("main_ip"):
        lines.append(f"Server IP address: {op.result['main_ip']}")
    lines.append(f"Started by {op.actor_name or 'the panel'} at {op.created_at:%Y-%m-%d %H:%M} UTC")
    lines.append("")
    lines.extend(f"{s.at:%H:%M:%S}  {s.label}" for s in op.steps.all())
    return "\n".join(lines)

"""Telling people that an operation ended: an in-app notice to the actor, and the team's alert
addresses (email, webhook) for servers that are ready and operations that failed.

Deliveries are `AlertDelivery` rows sent by a Celery task (`deliver_alert`), each attempt
logged on the row; a failed attempt is retried with capped, jittered backoff up to
MAX_ATTEMPTS times.

Webhooks go only to http(s) URLs whose host resolves to public addresses. A URL that points at
loopback, a private or link-local network (the cloud metadata service at 169.254.169.254
included) or any other non-global address is refused when it is saved and again right before
each delivery, unless PANEL_WEBHOOK_ALLOW_PRIVATE is true (a panel inside a private network;
tests). Redirects are not followed: a public URL could otherwise bounce the request inward.
The residual risk is DNS rebinding between our check and the connection; the check runs
immediately before each request to keep that window small.
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
from urllib.parse import urlsplit

import requests
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

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
            text=summary(op)[:500],
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


def refused_address(ip: str) -> bool:
    """True for addresses a webhook must not reach: anything not globally routable."""
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_webhook_url(url: str) -> None:
    """Raises ValidationError unless `url` may receive webhooks (see the module docstring)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError("A webhook URL must start with http:// or https://.")
    if not parts.hostname:
        raise ValidationError("The webhook URL has no host.")
    if parts.username or parts.password:
        raise ValidationError("Put no user name or password in the webhook URL.")
    if settings.PANEL_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as err:
        raise ValidationError(f"The webhook host does not resolve: {err}") from None
    for *_, sockaddr in found:
        if refused_address(sockaddr[0]):
            raise ValidationError(
                f"{parts.hostname} resolves to {sockaddr[0]}, which is not a public address; "
                "webhooks may not reach the panel's own network."
            )


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
    check_webhook_url(target.address)
    body = json.dumps(payload(op, event), separators=(",", ":")).encode()
    try:
        response = requests.post(
            target.address,
            data=body,
            headers={
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
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def _email_body(op: Operation) -> str:
    lines = [summary(op), ""]
    if op.result.get("main_ip"):
        lines.append(f"Server IP address: {op.result['main_ip']}")
    lines.append(f"Started by {op.actor_name or 'the panel'} at {op.created_at:%Y-%m-%d %H:%M} UTC")
    lines.append("")
    lines.extend(f"{s.at:%H:%M:%S}  {s.label}" for s in op.steps.all())
    return "\n".join(lines)

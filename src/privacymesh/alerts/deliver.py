"""Delivering alerts: a signed JSON webhook and e-mail over SMTP, each retried a few times.

The webhook body is JSON; the `X-Privacymesh-Signature` header is `sha256=` and the hex
HMAC-SHA256, keyed with the shared secret, of the `X-Privacymesh-Timestamp` header, a dot and
the body (`verify_signature` checks one; a receiver should also refuse old timestamps)."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from privacymesh.alerts.pending import Alert
from privacymesh.alerts.settings import AlertSettings, EmailChannel, WebhookChannel
from privacymesh.errors import first_line
from privacymesh.verdict import Status

SIGNATURE_HEADER = "X-Privacymesh-Signature"
TIMESTAMP_HEADER = "X-Privacymesh-Timestamp"


@dataclass(frozen=True)
class Message:
    """What one delivery carries: one alert, or an owner's digest of a run."""

    owners: tuple[str, ...]
    alerts: tuple[Alert, ...]

    def payload(self, workspace: str) -> dict[str, Any]:
        return {
            "source": "privacymesh",
            "workspace": workspace,
            "run_id": self.alerts[0].run_id,
            "owners": list(self.owners),
            "count": len(self.alerts),
            "alerts": [a.to_dict() for a in self.alerts],
        }

    def subject(self) -> str:
        if len(self.alerts) == 1:
            return f"[privacymesh] {self.alerts[0].title()}"
        return f"[privacymesh] {len(self.alerts)} alerts for run {self.alerts[0].run_id}"

    def text(self) -> str:
        lines = []
        for a in self.alerts:
            if a.status == Status.ERROR:
                count = "error"
            else:
                count = f"{a.exceptions} exceptions" if a.exceptions is not None else "open"
            where = a.link or f"see `privacymesh findings --open --domain {a.domain}`"
            due = f", due {a.due_at}" if a.due_at else ""
            lines.append(
                f"- {a.title()} ({a.severity or 'unrated'}; {count}{due}); "
                f"ref {a.reference}; {where}"
            )
        return "\n".join(lines) + "\n\nCounts and ids only: open the finding for the detail.\n"


@dataclass(frozen=True)
class Delivery:
    channel: str
    status: str  # sent | failed
    attempts: int
    error: str | None = None


def messages(alerts: list[Alert], digest: bool) -> list[Message]:
    """One message per alert, or with `digest` one per owner (alerts keep their order)."""
    if not digest:
        return [Message(a.owners, (a,)) for a in alerts]
    groups: dict[tuple[str, ...], list[Alert]] = {}
    for a in alerts:
        groups.setdefault(a.owners, []).append(a)
    return [Message(owners, tuple(group)) for owners, group in groups.items()]


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str) -> bool:
    """Whether a webhook request's signature header matches its timestamp and body."""
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def post_webhook(channel: WebhookChannel, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, sort_keys=True).encode("utf-8")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        channel.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(channel.secret, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=channel.timeout) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def recipients(channel: EmailChannel, owners: tuple[str, ...]) -> list[str]:
    """The owners that are addresses, else the configured fallback."""
    return [o for o in owners if "@" in o] or list(channel.fallback)


def send_email(channel: EmailChannel, message: Message, to: list[str]) -> None:
    mail = EmailMessage()
    mail["From"] = channel.sender
    mail["To"] = ", ".join(to)
    mail["Subject"] = message.subject()
    mail.set_content(message.text())
    with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout) as smtp:
        if channel.starttls:
            smtp.starttls()
        if channel.username:
            smtp.login(channel.username, channel.password or "")
        smtp.send_message(mail)


def with_retries(channel: str, send: Callable[[], None], retries: int, backoff: float) -> Delivery:
    """Try up to `retries` times, waiting `backoff`, then twice that, ... between tries."""
    error = None
    for attempt in range(1, retries + 1):
        try:
            send()
            return Delivery(channel, "sent", attempt)
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as exc:
            error = first_line(exc, 200)
        if attempt < retries:
            time.sleep(backoff * 2 ** (attempt - 1))
    return Delivery(channel, "failed", retries, error)


def deliver(settings: AlertSettings, channel: str, message: Message) -> Delivery:
    """Send one message on one configured channel (`webhook` or `email`)."""
    if channel == "webhook" and settings.webhook is not None:
        hook, payload = settings.webhook, message.payload(settings.workspace)
        return with_retries(
            channel, lambda: post_webhook(hook, payload), settings.retries, settings.backoff
        )
    if channel == "email" and settings.email is not None:
        mail = settings.email
        to = recipients(mail, message.owners)
        if not to:
            return Delivery(channel, "failed", 0, "no owner address and no [alerts.email] to")
        return with_retries(
            channel, lambda: send_email(mail, message, to), settings.retries, settings.backoff
        )
    raise ValueError(f"channel {channel!r} is not configured")

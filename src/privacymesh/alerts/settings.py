"""`[alerts]` in privacymesh.toml: the channels owners are notified on, and how.

    [alerts]
    digest = true            # one message per owner per run instead of one per alert
    retries = 3              # attempts per delivery before it is recorded as failed
    backoff = 1.0            # seconds before the second attempt, doubled after each
    link = "https://privacy.example.com/findings/{reference}"   # optional

    [alerts.webhook]
    url = "https://hooks.example.com/privacymesh"
    secret_env = "PRIVACYMESH_WEBHOOK_SECRET"   # or secret_file = "secrets/webhook.key"
    timeout = 10

    [alerts.email]
    host = "smtp.example.com"
    port = 587
    from = "privacymesh@example.com"
    starttls = true
    username = "privacymesh"             # optional, with password_env
    password_env = "PRIVACYMESH_SMTP_PASSWORD"
    to = ["privacy-team@example.com"]    # when a product's owners give no address

A secret is never written in the file: it comes from an environment variable or from a file
only its owner may read (mode 0600 or stricter)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace


@dataclass(frozen=True)
class WebhookChannel:
    url: str
    secret: bytes
    timeout: float = 10.0


@dataclass(frozen=True)
class EmailChannel:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    fallback: tuple[str, ...] = ()
    timeout: float = 10.0


@dataclass(frozen=True)
class AlertSettings:
    webhook: WebhookChannel | None = None
    email: EmailChannel | None = None
    digest: bool = False
    retries: int = 3
    backoff: float = 1.0
    link: str | None = None
    workspace: str = ""
    channels: tuple[str, ...] = field(default=())

    @property
    def enabled(self) -> bool:
        return bool(self.channels)


def _error(message: str, ws: Workspace, key: str, hint: str | None = None) -> WorkspaceError:
    return WorkspaceError(message, file=ws.file, field=f"alerts.{key}", hint=hint)


def read_secret(table: dict[str, Any], ws: Workspace, key: str, base: str) -> str:
    """A secret from `<base>_env` (an environment variable) or `<base>_file` (an owner-only
    file, relative to the workspace)."""
    env, file = table.get(f"{base}_env"), table.get(f"{base}_file")
    if env:
        value = os.environ.get(str(env))
        if not value:
            raise _error(f"environment variable {env} is not set", ws, f"{key}.{base}_env")
        return value
    if file:
        path = Path(str(file))
        path = path if path.is_absolute() else ws.root / path
        try:
            info = path.stat()
        except OSError:
            raise _error(f"cannot read {path}", ws, f"{key}.{base}_file") from None
        if stat.S_IMODE(info.st_mode) & 0o077 or info.st_uid != os.getuid():
            raise _error(
                f"{path} may be read by others",
                ws,
                f"{key}.{base}_file",
                hint=f"chmod 600 {path}, owned by the user who runs privacymesh",
            )
        return path.read_text("utf-8").strip()
    raise _error(
        f"no {base}: set {base}_env or {base}_file",
        ws,
        key,
        hint="a shared secret is never written in privacymesh.toml",
    )


def _number(table: dict[str, Any], name: str, default: float, ws: Workspace, key: str) -> float:
    value = table.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _error(f"expected a number >= 0, found {value!r}", ws, f"{key}{name}")
    return float(value)


def alert_settings(ws: Workspace) -> AlertSettings:
    """The workspace's `[alerts]`; no channel configured means alerts are off."""
    raw = ws.section("alerts")
    webhook = email = None
    hook = raw.get("webhook")
    if isinstance(hook, dict):
        url = hook.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _error(f"expected an http(s) URL, found {url!r}", ws, "webhook.url")
        secret = read_secret(hook, ws, "webhook", "secret").encode("utf-8")
        webhook = WebhookChannel(url, secret, _number(hook, "timeout", 10, ws, "webhook."))
    mail = raw.get("email")
    if isinstance(mail, dict):
        host, sender = mail.get("host"), mail.get("from")
        if not isinstance(host, str) or not host:
            raise _error("expected the SMTP host name", ws, "email.host")
        if not isinstance(sender, str) or "@" not in sender:
            raise _error(f"expected a sender address, found {sender!r}", ws, "email.from")
        port = mail.get("port", 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise _error(f"expected a port number, found {port!r}", ws, "email.port")
        username = mail.get("username")
        password = read_secret(mail, ws, "email", "password") if username else None
        fallback = mail.get("to", [])
        if isinstance(fallback, str):
            fallback = [fallback]
        email = EmailChannel(
            host=host,
            port=port,
            sender=sender,
            starttls=bool(mail.get("starttls", False)),
            username=str(username) if username else None,
            password=password,
            fallback=tuple(str(a) for a in fallback),
            timeout=_number(mail, "timeout", 10, ws, "email."),
        )
    retries = raw.get("retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 1:
        raise _error(f"expected a whole number >= 1, found {retries!r}", ws, "retries")
    link = raw.get("link")
    return AlertSettings(
        webhook=webhook,
        email=email,
        digest=bool(raw.get("digest", False)),
        retries=retries,
        backoff=_number(raw, "backoff", 1.0, ws, ""),
        link=str(link) if link else None,
        workspace=ws.name,
        channels=tuple(n for n, c in (("webhook", webhook), ("email", email)) if c is not None),
    )

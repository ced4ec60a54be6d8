"""Helpers of the service tests (the fixtures in conftest.py use them, and so do tests): the
workspace with `[auth]` and `[serve]` sections, a webhook receiver's state, the server started on
a free loopback port. A module of its own, so tests import it by a name no other folder uses."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn

from privacymesh.serve.auth import auth_settings
from privacymesh.serve.server import config
from privacymesh.serve.tokens import issue, keygen
from privacymesh.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[2]
DOMAINS = ("analytics", "crm", "growth", "marketing", "fraud", "identity", "support", "payments")


@dataclass
class Hook:
    """A consumer domain's webhook: records each call; fails the first `fail_first` calls."""

    url: str = ""
    fail_first: int = 0
    calls: list[dict] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_serve_workspace(root: Path, sample: Path, hook_url: str) -> Workspace:
    domains = "".join(
        f'[serve.domains.{d}]\nwebhook = "{hook_url}/{d}"\naccounts = ["svc-{d}"]\n'
        for d in DOMAINS
    )
    root.mkdir(parents=True, exist_ok=True)
    (root / "privacymesh.toml").write_text(
        'name = "serve test"\n[paths]\n'
        f'catalog = "{sample / "contracts"}"\nplatform = "{sample / "platform"}"\n'
        f'checks = "{REPO / "checks"}"\nevidence = "{root / "evidence"}"\nsample = "{sample}"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
        '[auth]\nissuer = "https://id.test"\naudience = "privacymesh"\n'
        'jwks = "evidence/jwks.json"\n'
        '[auth.groups]\n"grp-privacy" = ["privacy_officer"]\n'
        '"grp-consent" = ["consent_reader"]\n"grp-audit" = ["audit_writer"]\n'
        "[serve.delivery]\nattempts = 4\nbackoff = 0.05\ntimeout = 2.0\n" + domains
    )
    keygen(root / "evidence" / "token-signing.pem", root / "evidence" / "jwks.json")
    return load_workspace(root)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    ws: Workspace
    url: str
    server: uvicorn.Server

    def token(self, sub: str, groups: list[str] | None = None, **kw) -> str:
        key = self.ws.evidence / "token-signing.pem"
        return issue(auth_settings(self.ws), key, sub, groups=groups, **kw)

    def client(self, sub: str | None = None, groups: list[str] | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(sub, groups)}"} if sub else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    @property
    def services(self):
        return self.server.config.app.services  # type: ignore[union-attr]


def start_server(ws: Workspace) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    server = uvicorn.Server(config(ws, "127.0.0.1", port, log_level="warning", grace=5.0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"

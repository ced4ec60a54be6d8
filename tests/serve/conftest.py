"""Fixtures of the service tests: a small generated sample mesh in a workspace with `[auth]` and
`[serve]` sections, a local signing key, the server running on a free loopback port, and a
webhook receiver that can be told to fail."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import uvicorn

from privacymesh.sample import generate
from privacymesh.serve.auth import auth_settings
from privacymesh.serve.server import config
from privacymesh.serve.tokens import issue, keygen
from privacymesh.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[2]
DOMAINS = ("analytics", "crm", "growth", "marketing", "fraud", "identity", "support", "payments")


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve_sample") / "sample"
    generate(root, scale=0.05, seed=42)
    return root


@dataclass
class Hook:
    """A consumer domain's webhook: records each call; fails the first `fail_first` calls."""

    url: str = ""
    fail_first: int = 0
    calls: list[dict] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                fail = state.failures < state.fail_first
                if fail:
                    state.failures += 1
                else:
                    state.calls.append({"path": self.path, **body})
            self.send_response(503 if fail else 204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


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


@pytest.fixture
def served(pristine: Path, tmp_path: Path, hook: Hook) -> Iterator[Served]:
    sample = tmp_path / "sample"
    shutil.copytree(pristine, sample)
    ws = write_serve_workspace(tmp_path / "ws", sample, hook.url)
    server, thread, url = start_server(ws)
    yield Served(ws, url, server)
    server.should_exit = True
    thread.join(30)

"""Fixtures of the service tests: a small generated sample mesh in a workspace with `[auth]` and
`[serve]` sections, a local signing key, the server running on a free loopback port, and a
webhook receiver that can be told to fail."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from serve_support import Hook, Served, start_server, write_serve_workspace


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Path:
    root = tmp_path_factory.mktemp("serve_sample") / "sample"
    shutil.copytree(generated_sample, root)
    return root


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


@pytest.fixture
def served(pristine: Path, tmp_path: Path, hook: Hook) -> Iterator[Served]:
    sample = tmp_path / "sample"
    shutil.copytree(pristine, sample)
    ws = write_serve_workspace(tmp_path / "ws", sample, hook.url)
    server, thread, url = start_server(ws)
    yield Served(ws, url, server)
    server.should_exit = True
    thread.join(30)

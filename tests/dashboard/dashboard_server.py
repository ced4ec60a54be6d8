"""Start the dashboard as `privacymesh dashboard` would, on a free loopback port, for browser
tests and the load benchmark; stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from privacymesh.packs.pdf import find_chromium

CHROMIUM = find_chromium() or "/usr/bin/chromium"  # the one the PDF packs print with
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "overview": "",
    "pii_exposure": "pii_exposure",
    "retention": "retention",
    "consent": "consent",
    "dsars": "dsars",
    "rotation_support": "rotation_support",
    "cost_headcount": "cost_headcount",
    "evidence": "evidence",
}
"""Page name -> URL path (the overview is the default page, at /)."""
PLOTLY_DRAWN = ".js-plotly-plot .main-svg"
VEGA_DRAWN = ".vega-embed canvas, .vega-embed svg"
CHART = {name: VEGA_DRAWN if name == "overview" else PLOTLY_DRAWN for name in PAGES}
"""Page name -> the selector of a chart it has drawn (the overview draws with Vega-Lite)."""

LAUNCH = """
import sys
from privacymesh.cli.app import app
from privacymesh.cli.dashboard import dashboard_command
if "dashboard" not in {c.name for c in app.registered_commands}:
    app.command("dashboard")(dashboard_command)  # until the CLI registers it itself
app(sys.argv[1:], prog_name="privacymesh")
"""
"""`privacymesh --workspace W dashboard ...`, run with this interpreter."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard(workspace: Path, timeout: float = 60.0, app: Path | None = None) -> Iterator[str]:
    """Serve the dashboard over `workspace` through the CLI command (`app`: another copy of the
    dashboard's script, e.g. an older one to compare with); yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-c", LAUNCH, "--workspace", str(workspace), "dashboard",
        "--port", str(port), "--address", "127.0.0.1", *(["--app", str(app)] if app else []),
    ]  # fmt: skip
    env = {**os.environ, "PRIVACYMESH_WORKSPACE": str(workspace)}
    with serving(command, env, f"http://127.0.0.1:{port}", timeout) as url:
        yield url


@contextmanager
def streamlit_app(script: Path, timeout: float = 60.0) -> Iterator[str]:
    """Serve any Streamlit script the same way (headless, loopback, a free port)."""
    from privacymesh.cli.dashboard import streamlit_command

    port = free_port()
    command = streamlit_command(script, "127.0.0.1", port)
    with serving(command, dict(os.environ), f"http://127.0.0.1:{port}", timeout) as url:
        yield url


@contextmanager
def serving(command: list[str], env: dict[str, str], url: str, timeout: float) -> Iterator[str]:
    """Start a server process, wait for Streamlit's health check, stop it afterwards."""
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"the server did not start:\n{output}")
            time.sleep(0.2)
        yield url
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    """End the server and its children (its own process group), politely first."""
    for signal, wait in ((15, 10), (9, 5)):
        try:
            os.killpg(proc.pid, signal)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def browser(executable: str = CHROMIUM) -> Iterator[object]:
    """Headless Debian Chromium (or another local build, `executable`) driven by Playwright,
    never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()

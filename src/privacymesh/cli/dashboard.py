"""`privacymesh dashboard`: serve the leadership dashboard (Streamlit) over the ledger."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import typer

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, fail, handle_errors, workspace_from
from privacymesh.content import builtin_folder
from privacymesh.workspace import Workspace

APP = Path("dashboards") / "app.py"


def find_app(workspace: Workspace, app: Path | None = None) -> Path | None:
    """The dashboard script: `app` when given, else `dashboards/app.py` of the workspace (a
    workspace's own dashboard), else the built-in one."""
    if app is not None:
        return app if app.is_file() else None
    for candidate in (workspace.root / APP, builtin_folder("dashboards") / APP.name):
        if candidate.is_file():
            return candidate
    return None


PREFERRED_PORT = 8501  # Streamlit's own default


def free_port(address: str, preferred: int = PREFERRED_PORT) -> int:
    """`preferred` when nothing listens there, else a port the system finds free."""
    for candidate in (preferred, 0):
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
            try:
                probe.bind((address, candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port on {address}")


def streamlit_command(app: Path, address: str, port: int) -> list[str]:
    """The `streamlit run` command line: headless, on one address and port, no telemetry."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.address", address,
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip


@handle_errors
def dashboard_command(
    ctx: typer.Context,
    port: int | None = typer.Option(
        None, "--port", "-p", help=f"Port to serve on (default {PREFERRED_PORT}, or a free one)."
    ),
    address: str = typer.Option(
        "127.0.0.1", "--address", "-a", help="Address to bind (0.0.0.0 to serve the network)."
    ),
    app: Path | None = typer.Option(
        None, "--app", help="The Streamlit script (default: dashboards/app.py of the workspace)."
    ),
) -> None:
    """Serve the leadership dashboard: posture per domain, PII exposure, retention, consent,
    DSARs, rotation and support, cost and headcount, and the evidence. Read-only on the
    ledger; runs until stopped with Ctrl+C."""
    ws = workspace_from(ctx)
    if importlib.util.find_spec("streamlit") is None:
        raise fail("the dashboard needs Streamlit and Plotly: pip install 'privacymesh[dashboard]'")
    script = find_app(ws, app)
    if script is None:
        raise fail(f"no dashboard script at {app or ws.root / APP}")
    if not ws.ledger_path.is_file():
        console.print(
            f"[yellow]No ledger yet at {ws.ledger_path}[/]: the dashboard says how to record a "
            "first run (`privacymesh run`)."
        )
    port = port or free_port(address)
    console.print(
        f"privacymesh dashboard on [bold]http://{address}:{port}[/] over {ws.ledger_path} "
        "(read-only; Ctrl+C stops it)",
        highlight=False,
        soft_wrap=True,
    )
    env = {**os.environ, "PRIVACYMESH_WORKSPACE": str(ws.file)}
    from privacymesh.serve.dashboard_oidc import streamlit_secrets

    with streamlit_secrets(ws) as sign_in:  # OIDC sign-in: a private secrets file for this run
        try:
            code = subprocess.call(streamlit_command(script, address, port) + sign_in, env=env)
        except KeyboardInterrupt:
            code = int(ExitCode.OK)
    raise typer.Exit(code if code in (0, 1, 2) else int(ExitCode.ERROR))

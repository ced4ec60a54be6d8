"""`privacymesh dashboard`: serve the leadership dashboard (Streamlit) over the ledger."""

from __future__ import annotations

import importlib.util
import os
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
    port: int = typer.Option(8501, "--port", "-p", help="Port to serve on."),
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
    console.print(f"privacymesh dashboard on [bold]http://{address}:{port}[/] (Ctrl+C to stop)")
    env = {**os.environ, "PRIVACYMESH_WORKSPACE": str(ws.file)}
    try:
        code = subprocess.call(streamlit_command(script, address, port), env=env)
    except KeyboardInterrupt:
        code = int(ExitCode.OK)
    raise typer.Exit(code if code in (0, 1, 2) else int(ExitCode.ERROR))

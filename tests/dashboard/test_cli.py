"""`privacymesh dashboard`: finds the app, builds a headless streamlit command, fails clearly."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from privacymesh.cli.dashboard import dashboard_command, find_app, streamlit_command
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]


def test_the_command_serves_headless_on_the_given_port() -> None:
    command = streamlit_command(REPO / "dashboards" / "app.py", "127.0.0.1", 8765)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags["--server.headless"] == "true"
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8765"


def test_the_app_is_found_from_the_workspace_or_the_checkout(tmp_path: Path) -> None:
    (tmp_path / "privacymesh.toml").write_text('name = "elsewhere"\n')
    elsewhere = load_workspace(tmp_path)
    assert find_app(elsewhere) == REPO / "dashboards" / "app.py"
    own = tmp_path / "dashboards" / "app.py"
    own.parent.mkdir()
    own.write_text("")
    assert find_app(elsewhere) == own
    assert find_app(elsewhere, tmp_path / "missing.py") is None


def test_a_missing_app_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "privacymesh.toml").write_text('name = "w"\n')
    app = typer.Typer()
    app.command()(dashboard_command)

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = {"workspace": tmp_path}

    result = CliRunner().invoke(app, ["dashboard-command", "--app", str(tmp_path / "nope.py")])
    assert result.exit_code == 2
    assert "no dashboard script" in result.output


def test_the_dashboard_takes_a_free_port_when_the_usual_one_is_taken() -> None:
    import socket

    from privacymesh.cli.dashboard import free_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        port = free_port("127.0.0.1", preferred=busy)
        assert port != busy and port > 0
        with socket.socket() as check:  # it is free: it can be bound
            check.bind(("127.0.0.1", port))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        unused = probe.getsockname()[1]
    assert free_port("127.0.0.1", preferred=unused) == unused

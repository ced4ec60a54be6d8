"""The root command lists every command without importing the modules that implement them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from privacymesh.cli.app import COMMANDS, app, load_command

PROBE = """
import sys
from privacymesh.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
modules = ("duckdb", "polars", "pyarrow", "jinja2", "fastapi", "rich", "privacymesh.cli.run",
    "privacymesh.cli.consent", "privacymesh.cli.dsar", "privacymesh.cli.retention",
    "privacymesh.cli.policy", "privacymesh.cli.audit", "privacymesh.engine", "privacymesh.detect")
heavy = sorted(m for m in modules if m in sys.modules)
print("LOADED", ",".join(heavy), "CODE", code)
"""


def test_help_imports_no_command_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "LOADED  CODE 0" in out
    for name in COMMANDS:
        assert f" {name} " in out


def test_each_command_has_its_own_module() -> None:
    modules = [target.partition(":")[0] for target, _ in COMMANDS.values()]
    assert len(set(modules)) == len(COMMANDS), modules


def test_a_command_loads_only_its_own_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "checks", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "privacymesh.cli." not in out.split("LOADED", 1)[1]
    assert "show" in out and "list" in out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_listed_command_loads(name: str) -> None:
    command = load_command(name)
    assert isinstance(command, TyperCommand | TyperGroup)
    assert command.name == name
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output

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


HEAVY = ("duckdb", "polars", "pyarrow")


def test_scan_help_imports_no_data_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "scan", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = out.split("LOADED", 1)[1].split("CODE", 1)[0].strip().split(",")
    assert not set(loaded) & set(HEAVY), loaded
    assert "--full" in out and out.rstrip().endswith("CODE 0")


EVERY_COMMAND = f"""
import sys
from privacymesh.cli.app import COMMANDS, load_command
for name in COMMANDS:
    load_command(name)
    heavy = [m for m in {HEAVY!r} if m in sys.modules]
    if heavy:
        print("HEAVY", name, ",".join(heavy))
        break
else:
    print("LIGHT", len(COMMANDS))
"""


def test_no_command_module_imports_a_data_library_before_it_runs() -> None:
    # one process loads every command in listing order: the first to pull a data library in
    # is named
    out = subprocess.run(
        [sys.executable, "-c", EVERY_COMMAND], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == f"LIGHT {len(COMMANDS)}"


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

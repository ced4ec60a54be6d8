"""The `privacymesh` command: a thin layer of handlers over the Python API."""

from __future__ import annotations

from pathlib import Path

import typer

from privacymesh import __version__
from privacymesh.cli.catalog import catalog_app
from privacymesh.cli.checks import checks_app, gate_command
from privacymesh.cli.dashboard import dashboard_command
from privacymesh.cli.demo import demo_command
from privacymesh.cli.evidence import evidence_app
from privacymesh.cli.pack import pack_app, report_app
from privacymesh.cli.platform_cmds import (
    audit_app,
    consent_app,
    dsar_app,
    policy_app,
    query_command,
    retention_app,
)
from privacymesh.cli.principals import principals_app
from privacymesh.cli.run import run_command
from privacymesh.cli.sample import sample_command
from privacymesh.cli.scan import scan_command
from privacymesh.cli.schedule import schedule_command

app = typer.Typer(
    name="privacymesh",
    help="Privacy compliance for a data mesh, measurable and provable.\n\n"
    "Register products with ODCS contracts, scan them for personal data, run privacy checks on "
    "a schedule, and keep the results as tamper-evident evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"privacymesh {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="privacymesh.toml or its folder (default: search from the current folder upward).",
        envvar="PRIVACYMESH_WORKSPACE",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    ctx.obj = {"workspace": workspace}


app.command("sample")(sample_command)
app.command("demo")(demo_command)
app.command("scan")(scan_command)
app.command("run")(run_command)
app.command("gate")(gate_command)
app.command("schedule")(schedule_command)
app.command("dashboard")(dashboard_command)
app.add_typer(catalog_app, name="catalog")
app.add_typer(checks_app, name="checks")
app.add_typer(evidence_app, name="evidence")
app.add_typer(pack_app, name="pack")
app.add_typer(report_app, name="report")
app.command("query")(query_command)
app.add_typer(consent_app, name="consent")
app.add_typer(policy_app, name="policy")
app.add_typer(retention_app, name="retention")
app.add_typer(dsar_app, name="dsar")
app.add_typer(audit_app, name="audit")
app.add_typer(principals_app, name="principals")


def main() -> None:
    app()

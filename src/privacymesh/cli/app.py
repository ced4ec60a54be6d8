"""The `privacymesh` command: a thin layer of handlers over the Python API.

Command modules import the engine, the detector, Polars and more, so they are loaded only when
their command runs: `privacymesh --help` lists the commands from `COMMANDS` without importing
any of them."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# name -> (module:attribute, one-line help shown in `privacymesh --help`), in listing order.
# The attribute is a Typer app (a command group) or a function (a command).
COMMANDS: dict[str, tuple[str, str]] = {
    "sample": (
        "privacymesh.cli.sample:sample_command",
        "Generate the sample data mesh: products, contracts, platform tables, expected findings.",
    ),
    "demo": (
        "privacymesh.cli.demo:demo_command",
        "Run the main job on the sample mesh: validate, check, record, build the audit pack.",
    ),
    "scan": (
        "privacymesh.cli.scan:scan_command",
        "Scan products or files for personal data, column by column.",
    ),
    "run": (
        "privacymesh.cli.run:run_command",
        "Run the checks and record every result in the evidence ledger.",
    ),
    "findings": (
        "privacymesh.cli.findings:findings_app",
        "List findings with owners, due dates and lifecycle; `findings accept` or `reopen` one.",
    ),
    "gate": (
        "privacymesh.cli.gate:gate_command",
        "The deployment gate for one contract, for a domain team's CI.",
    ),
    "schedule": (
        "privacymesh.cli.schedule:schedule_command",
        "Run each check on its own cron schedule until stopped.",
    ),
    "dashboard": (
        "privacymesh.cli.dashboard:dashboard_command",
        "Serve the leadership dashboard (read-only on the ledger).",
    ),
    "query": (
        "privacymesh.cli.query:query_command",
        "Run a governed query: rights checked, consent applied, fields masked, access audited.",
    ),
    "catalog": (
        "privacymesh.cli.catalog:catalog_app",
        "Validate, list and trace data-product contracts.",
    ),
    "checks": (
        "privacymesh.cli.checks:checks_app",
        "List the check catalog and show a check's test procedure.",
    ),
    "evidence": (
        "privacymesh.cli.evidence:evidence_app",
        "Verify, export, sign and anchor the evidence ledger.",
    ),
    "pack": (
        "privacymesh.cli.pack:pack_app",
        "Build or verify a regulator-ready audit pack.",
    ),
    "report": ("privacymesh.cli.report:report_app", "Reports built from the evidence ledger."),
    "consent": (
        "privacymesh.cli.consent:consent_app",
        "Check, grant and withdraw consent; list propagation notices.",
    ),
    "policy": (
        "privacymesh.cli.policy:policy_app",
        "Show the access and masking policy; write it as DuckDB views.",
    ),
    "retention": (
        "privacymesh.cli.retention:retention_app",
        "Plan and apply the declared retention policies.",
    ),
    "dsar": (
        "privacymesh.cli.dsar:dsar_app",
        "Open, export, erase and track data subject requests.",
    ),
    "audit": (
        "privacymesh.cli.audit:audit_app",
        "Verify and search the hash-chained audit log.",
    ),
    "principals": (
        "privacymesh.cli.principals:principals_app",
        "Who is asking: the verified principal and its roles; API tokens.",
    ),
    "contract": (
        "privacymesh.cli.contract:contract_app",
        "Draft a product's contract from its data, for the owner to review.",
    ),
    "alerts": (
        "privacymesh.cli.alerts:alerts_app",
        "Notify product owners of new failures and due findings (webhook, e-mail).",
    ),
    "init": (
        "privacymesh.cli.init:init_command",
        "Start a workspace: commented settings, an example contract, the evidence folder.",
    ),
    "serve": (
        "privacymesh.cli.serve:serve_command",
        "Serve the consent, DSAR and audit APIs over HTTP, behind bearer tokens.",
    ),
    "token": (
        "privacymesh.cli.token:token_app",
        "Mint bearer tokens (JWT) from a local key, for development and CI.",
    ),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """Import one command's module and build its click command."""
    target, _ = COMMANDS[name]
    module, _, attribute = target.partition(":")
    obj: Any = getattr(importlib.import_module(module), attribute)
    if isinstance(obj, typer.Typer):
        command: Any = typer.main.get_group(obj)
    else:
        holder = typer.Typer()
        holder.command(name)(obj)
        command = typer.main.get_command(holder)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """A command group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        loaded = self.commands.get(cmd_name)
        if loaded is not None or cmd_name not in COMMANDS:
            return loaded
        # listing only: a stand-in carrying the short help (whole, not cut to the terminal's
        # width); resolve_command loads the real one
        text = COMMANDS[cmd_name][1]
        return TyperCommand(cmd_name, help=text, short_help=text)

    def resolve_command(
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        if args and args[0] in COMMANDS and args[0] not in self.commands:
            self.commands[args[0]] = load_command(args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="privacymesh",
    cls=LazyGroup,
    help="Privacy compliance for a data mesh, measurable and provable.\n\n"
    "Register products with ODCS contracts, scan them for personal data, run privacy checks on "
    "a schedule, and keep the results as tamper-evident evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # click's plain help: Rich's help renderer (with Markdown) costs more than the whole
    # listing; each command group keeps Rich for its own help
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from privacymesh import __version__

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


def main() -> None:
    app()

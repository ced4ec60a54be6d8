"""`privacymesh catalog ...`: validate, list and trace the registered data products."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    err_console,
    fail,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.errors import WorkspaceError

# the contract parser and its schemas load when a command runs, not for --help
if TYPE_CHECKING:
    from privacymesh.catalog import Catalog, ParsedContract

catalog_app = typer.Typer(
    help="Validate, list and trace data-product contracts.", no_args_is_help=True
)


def load(ctx: typer.Context) -> Catalog:
    from privacymesh.catalog import load_catalog

    ws = workspace_from(ctx)
    return load_catalog(ws.catalog, ws)


def _single_files(ctx: typer.Context, files: list[Path]) -> list[ParsedContract]:
    """Parse the given files alone, confined to the workspace when there is one."""
    from privacymesh.catalog import parse_contract
    from privacymesh.catalog.server_paths import SourceBounds

    missing = [f for f in files if not f.is_file()]
    if missing:
        raise fail(f"not a contract file: {missing[0]}")
    try:
        ws = workspace_from(ctx)
        bounds: SourceBounds | None = SourceBounds.for_workspace(ws, ws.catalog)
    except WorkspaceError:
        bounds = None  # outside a workspace: each file is confined to the folders around it
    return [parse_contract(f, bounds) for f in files]


@catalog_app.command("validate")
@handle_errors
def validate(
    ctx: typer.Context,
    files: list[Path] | None = typer.Argument(
        None, help="Contract files to validate alone (default: the workspace's whole catalog)."
    ),
    output: str = typer.Option("text", "--format", help="text, or json for CI."),
) -> None:
    """Validate contracts: YAML 1.2, the ODCS JSON Schema of each contract's apiVersion, and
    privacymesh's rules (PM-CAT-xxx). Every issue says which of them it comes from. Exits 1 when
    a contract does not register; privacy rules the gate judges are listed without failing."""
    if output not in ("text", "json"):
        raise fail(f"unknown --format {output!r}: text or json")
    contracts = _single_files(ctx, files) if files else load(ctx).contracts
    invalid = [c for c in contracts if not c.ok]
    if output == "json":
        typer.echo(json.dumps(_report(contracts), indent=2))
    else:
        _print_text(contracts)
    if invalid:
        raise typer.Exit(int(ExitCode.FAILED))


def _report(contracts: list[ParsedContract]) -> dict[str, Any]:
    from privacymesh.catalog.rules import RuleLevel

    issues = [i for c in contracts for i in c.issues]
    return {
        "contracts": [
            {
                "file": str(c.file),
                "id": c.id,
                "address": c.address,
                "apiVersion": (c.data or {}).get("apiVersion"),
                "validatedAgainst": c.version,
                "registered": c.ok,
                "tables": [p.id for p in c.products],
                "issues": [i.to_dict() for i in c.issues],
            }
            for c in contracts
        ],
        "summary": {
            "contracts": len(contracts),
            "registered": sum(c.ok for c in contracts),
            "registration_errors": sum(i.blocks for i in issues),
            "gate_errors": sum(not i.blocks and i.severity == RuleLevel.ERROR for i in issues),
            "warnings": sum(i.severity == RuleLevel.WARNING for i in issues),
        },
    }


def _print_text(contracts: list[ParsedContract]) -> None:
    from privacymesh.catalog.rules import RuleLevel

    for contract in contracts:
        for issue in contract.issues:
            if issue.blocks:
                label = "[red]error[/]"
            elif issue.severity == RuleLevel.ERROR:
                label = "[yellow]gate error[/]"
            else:
                label = "[yellow]warning[/]"
            err_console.print(f"{label} {escape(str(issue))}", highlight=False)
    summary = _report(contracts)["summary"]
    total, bad = summary["contracts"], summary["contracts"] - summary["registered"]
    gate = f"; {summary['gate_errors']} gate errors" if summary["gate_errors"] else ""
    if bad:
        err_console.print(
            f"[bold red]{bad} of {total} contracts do not register[/] "
            f"({summary['registration_errors']} errors{gate})"
        )
    else:
        domains = {c.domain for c in contracts}
        console.print(f"[green]all {total} contracts register[/] ({len(domains)} domains{gate})")


@catalog_app.command("list")
@handle_errors
def list_products(
    ctx: typer.Context,
    domain: list[str] | None = typer.Option(None, "--domain", "-d", help="Only these domains."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """List registered products: kind, owner, classification and personal fields."""
    catalog = load(ctx)
    rows = [
        {
            "product": p.id,
            "kind": p.product_kind,
            "mode": p.processing_mode,
            "fields": len(p.fields),
            "personal": len(p.personal_fields),
            "retention": f"{p.retention.days} d" if p.retention else "none",
            "owner": p.team or ", ".join(p.owners) or "none",
            "upstream": ", ".join(p.upstream) or "-",
        }
        for p in catalog.select(domains=domain)
    ]
    missing = {p.id for p in catalog.select(domains=domain) if p.retention is None}
    red = {  # only what a reviewer must act on is coloured
        "retention": lambda r: "red" if r["product"] in missing and r["personal"] else None,
        "owner": lambda r: "red" if r["owner"] == "none" else None,
    }
    print_rows(
        f"{len(catalog.products)} data products",
        rows,
        list(rows[0]) if rows else ["product"],
        as_json=as_json,
        styles=red,
    )
    if as_json:
        return
    metadata = [c.address for c in catalog.registered if not c.products]
    if metadata:
        console.print(f"registered without a schema (nothing to scan): {', '.join(metadata)}")
    if catalog.invalid:
        err_console.print(
            f"[yellow]{len(catalog.invalid)} invalid contract(s) not listed; "
            "run `privacymesh catalog validate`[/]"
        )


@catalog_app.command("lineage")
@handle_errors
def lineage(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="Product id, e.g. identity.users."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Show the products upstream and downstream of PRODUCT."""
    catalog = load(ctx)
    up, down = catalog.upstream(product), catalog.downstream(product)
    rows = [
        {
            "direction": direction,
            "product": pid,
            "kind": catalog.products[pid].product_kind
            if pid in catalog.products
            else "unregistered",
        }
        for direction, ids in (("upstream", up), ("downstream", down))
        for pid in ids
    ]
    print_rows(f"lineage of {product}", rows, ("direction", "product", "kind"), as_json=as_json)
    if not up and not down and not as_json:
        console.print(f"{product} has no declared lineage")

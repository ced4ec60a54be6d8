"""`privacymesh gate`: the deployment gate for one contract, for a domain team's CI."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from


@handle_errors
def gate_command(
    ctx: typer.Context,
    contract: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="A contract file (*.odcs.yaml), new or changed."
    ),
) -> None:
    """The deployment gate for one contract: schema, catalog rules and privacy requirements.
    Exits non-zero with the reasons, for a domain team's CI."""
    # the contract parser and its schemas load when a contract is gated, not for --help
    from privacymesh.catalog import load_catalog, parse_contract
    from privacymesh.catalog.gate import GATE_RULES, GateReason, evaluate_gate
    from privacymesh.catalog.rules import RuleLevel
    from privacymesh.catalog.server_paths import SourceBounds

    try:
        ws = workspace_from(ctx)
        catalog = load_catalog(ws.catalog, ws)
    except Exception:  # the gate also works outside a workspace: lineage is then not checked
        ws, catalog = None, None
    bounds = SourceBounds.for_workspace(ws, ws.catalog) if ws else None
    parsed = parse_contract(contract, bounds)
    for issue in parsed.issues:
        if issue.blocks:
            err_console.print(f"[red]contract[/] {escape(str(issue))}", highlight=False)
    if not parsed.ok:
        err_console.print(f"[bold red]gate: {contract.name} does not register[/]")
        raise typer.Exit(int(ExitCode.FAILED))
    known = (set(catalog.products) if catalog else set()) | {p.id for p in parsed.products}
    blocked = False
    for product in parsed.products:
        result = evaluate_gate(product)
        reasons = [r for r in result.reasons if r.rule != "PM-CAT-012"]
        if catalog is not None:  # lineage against the workspace's catalog, not the file alone
            reasons += [
                GateReason("PM-CAT-012", f.name, f"lineage input {src!r} is not in the catalog")
                for f in product.fields
                for src in f.sources
                if ".".join(src.split(".")[:2]) not in known
            ]
        for r in reasons:
            color = "red" if r.severity == RuleLevel.ERROR else "yellow"
            err_console.print(
                f"[{color}]gate {r.rule}[/] {product.id} {r.field or '<contract>'}: "
                f"{escape(r.message)} (requires: {GATE_RULES[r.rule]})",
                highlight=False,
            )
        if any(r.severity == RuleLevel.ERROR for r in reasons):
            blocked = True
            err_console.print(f"[bold red]gate: {product.id} blocked[/]")
        else:
            console.print(f"[green]gate: {product.id} passes all {len(GATE_RULES)} rules[/]")
    if not parsed.products:
        console.print(f"{parsed.address}: no schema, nothing to scan (metadata only)")
    if blocked:
        raise typer.Exit(int(ExitCode.FAILED))

"""`privacymesh demo`: the main job on the bundled sample mesh."""

from __future__ import annotations

import polars as pl
import typer
from rich.table import Table

from privacymesh.catalog import load_catalog
from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.cli.sample import sample_command
from privacymesh.engine import open_engine
from privacymesh.summary import summarise


@handle_errors
def demo_command(ctx: typer.Context) -> None:
    """Run the main job on the sample mesh: generate it when missing, validate the catalog,
    register every product in the engine and print a summary per domain."""
    ws = workspace_from(ctx)
    if not ws.catalog.is_dir() or not any(ws.catalog.rglob("*.odcs.yaml")):
        console.print(f"[bold]No catalog at {ws.catalog}: generating the sample mesh[/]")
        sample_command(ctx, out=None, scale=None, seed=None)
    catalog = load_catalog(ws.catalog)
    console.rule("[bold]1. catalog")
    for issue in catalog.issues:
        err_console.print(f"[red]{issue.severity}[/] {issue}", highlight=False)
    console.print(
        f"{len(catalog.products)} of {len(catalog.contracts)} contracts valid, "
        f"{len(catalog.domains)} domains"
    )
    console.rule("[bold]2. engine")
    with open_engine(ws, catalog) as engine:
        summary = summarise(catalog, engine)
    reg = engine.registration
    console.print(
        f"{len(reg.products)} products and {len(reg.platform)} platform tables "
        f"registered in {ws.engine.kind}"
    )
    for name, reason in summary.failed.items():
        err_console.print(f"[red]unreadable[/] {name}: {reason}", highlight=False)
    table = Table(title="the mesh by domain")
    for col in ("domain", "products", "rows", "personal fields", "without retention"):
        table.add_column(col, justify="right" if col != "domain" else "left")
    agg = (
        summary.products.group_by("domain")
        .agg(
            pl.len().alias("products"),
            pl.col("rows").sum().alias("rows"),
            pl.col("personal_fields").sum().alias("personal"),
            ((pl.col("personal_fields") > 0) & pl.col("retention_days").is_null())
            .sum()
            .alias("no_retention"),
        )
        .sort("domain")
    )
    for r in agg.iter_rows(named=True):
        table.add_row(
            r["domain"],
            str(r["products"]),
            f"{r['rows']:,}",
            str(r["personal"]),
            str(r["no_retention"]),
        )
    console.print(table)
    if catalog.invalid or summary.failed:
        raise typer.Exit(int(ExitCode.FAILED))

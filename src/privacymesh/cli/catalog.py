"""`privacymesh catalog ...`: validate, list and trace the registered data products."""

from __future__ import annotations

import typer
from rich.table import Table

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from

catalog_app = typer.Typer(
    help="Validate, list and trace data-product contracts.", no_args_is_help=True
)


def load(ctx: typer.Context) -> Catalog:
    ws = workspace_from(ctx)
    return load_catalog(ws.catalog, ws)


@catalog_app.command("validate")
@handle_errors
def validate(ctx: typer.Context) -> None:
    """Check every contract against the ODCS v3 JSON Schema and privacymesh's catalog rules.
    Lists every problem; exits 1 when any contract is invalid."""
    catalog = load(ctx)
    for issue in catalog.issues:
        colour = "red" if issue.severity == "error" else "yellow"
        err_console.print(f"[{colour}]{issue.severity}[/] {issue}", highlight=False)
    bad = len(catalog.invalid)
    total = len(catalog.contracts)
    if bad:
        err_console.print(
            f"[bold red]{bad} of {total} contracts invalid[/] ({len(catalog.errors)} errors)"
        )
        raise typer.Exit(int(ExitCode.FAILED))
    console.print(f"[green]all {total} contracts valid[/] ({len(catalog.domains)} domains)")


@catalog_app.command("list")
@handle_errors
def list_products(
    ctx: typer.Context,
    domain: list[str] | None = typer.Option(None, "--domain", "-d", help="Only these domains."),
) -> None:
    """List registered products: kind, owner, classification and personal fields."""
    catalog = load(ctx)
    table = Table(title=f"{len(catalog.products)} data products")
    table.add_column("product", no_wrap=True)
    for col in ("kind", "mode", "fields", "personal", "retention"):
        table.add_column(col)
    table.add_column("owner", overflow="fold")
    table.add_column("upstream", overflow="fold")
    for p in catalog.select(domains=domain):
        retention = f"{p.retention.days} d" if p.retention else "-"
        if p.retention is None and p.has_personal_data:
            retention = "[red]none[/]"
        table.add_row(
            p.id,
            p.kind,
            p.processing_mode,
            str(len(p.fields)),
            str(len(p.personal_fields)),
            retention,
            ", ".join(p.owners) or "[red]none[/]",
            ", ".join(p.upstream) or "-",
        )
    console.print(table)
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
) -> None:
    """Show the products upstream and downstream of PRODUCT."""
    catalog = load(ctx)
    up, down = catalog.upstream(product), catalog.downstream(product)
    table = Table(title=f"lineage of {product}")
    table.add_column("direction")
    table.add_column("product")
    table.add_column("kind")
    for direction, ids in (("upstream", up), ("downstream", down)):
        for pid in ids:
            table.add_row(direction, pid, catalog.products[pid].kind)
    console.print(table)
    if not up and not down:
        console.print(f"{product} has no declared lineage")

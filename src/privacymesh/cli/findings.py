"""`privacymesh findings`: every finding with its owner, due date and lifecycle."""

from __future__ import annotations

import polars as pl
import typer

from privacymesh.catalog import load_catalog
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.ledger import Ledger
from privacymesh.views import Scope
from privacymesh.views.findings import FINDING_COLUMNS, DuePolicy, finding_table

TABLE_COLUMNS = (
    "severity",
    "check_id",
    "product_id",
    "column_name",
    "owner",
    "lifecycle",
    "first_seen_at",
    "due_at",
    "overdue",
)


@handle_errors
def findings_command(
    ctx: typer.Context,
    open_: bool = typer.Option(False, "--open", help="Only findings not yet closed."),
    domain: list[str] | None = typer.Option(None, "--domain", "-d", help="Only these domains."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Findings from the ledger with their owners (the product's owning team) and due dates
    (days by severity from first seen: `[findings.due_days]`), opened, still open or closed."""
    ws = workspace_from(ctx)
    policy = DuePolicy.from_settings(ws.section("findings"), ws.file)
    catalog = load_catalog(ws.catalog, ws)
    owners = pl.DataFrame(
        {
            "product_id": list(catalog.products),
            "owner": [p.team or ", ".join(p.owners) or None for p in catalog.products.values()],
        },
        schema={"product_id": pl.String, "owner": pl.String},
    )
    with Ledger(ws.ledger_path, read_only=True, lock_timeout=5.0) as ledger:
        frame = finding_table(
            ledger, Scope(domains=tuple(domain or ())), owners, policy, open_only=open_
        )
    rows = frame.select(FINDING_COLUMNS).to_dicts()
    title = f"{frame.height} {'open ' if open_ else ''}findings (due: {policy.describe()})"
    print_rows(
        title,
        rows,
        TABLE_COLUMNS,
        as_json=as_json,
        styles={"overdue": lambda r: "red" if r["overdue"] else None},
    )
    if not as_json and frame.height:
        overdue = int(frame["overdue"].sum())
        console.print(f"{overdue} overdue", highlight=False)

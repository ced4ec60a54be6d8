"""`privacymesh query`: a governed query, with rights, consent, masking and audit applied."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.acting import ACTOR, acting
from privacymesh.cli.output import cell, console, err_console, handle_errors


@handle_errors
def query_command(
    ctx: typer.Context,
    sql: str = typer.Argument(..., help='One SELECT over products named "<domain>"."<product>".'),
    role: str = typer.Option(..., "--role", "-r", help="The role the query runs as."),
    purpose: str = typer.Option(..., "--purpose", "-p", help="The purpose of the processing."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the rows to a .parquet or .csv file."
    ),
    limit: int = typer.Option(20, "--limit", help="Rows to print (without --out)."),
    _actor: str | None = ACTOR,
) -> None:
    """Run a governed query: the role's rights checked, subjects without consent for the
    purpose dropped, fields masked by the policy, the access recorded in the audit log."""
    from privacymesh.platform import GovernedSession

    ws, who = acting(ctx)
    with GovernedSession(ws, principal=who, materialize=False) as gov:
        result = gov.sql(sql, role, purpose)
    frame = result.frame
    for d in result.decisions:
        masked = ", ".join(f"{k} ({v})" for k, v in d.masked_fields.items()) or "none"
        consent = (
            f"consent for {', '.join(d.consent_purposes)}" if d.consent_purposes else d.consent_note
        )
        err_console.print(f"{d.product.id}: masked {masked}; {consent}", highlight=False)
    if out is not None:
        if out.suffix == ".csv":
            frame.write_csv(out)
        else:
            frame.write_parquet(out)
        console.print(f"{frame.height} rows written to {out}")
        return
    table = Table(title=f"{frame.height} rows", show_lines=False)
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in frame.head(limit).iter_rows():
        table.add_row(*(cell(v) for v in row))
    console.print(table)

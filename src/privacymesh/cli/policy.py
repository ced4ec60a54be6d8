"""`query` and `policy`: governed queries, and the access and masking policy shown or written
as DuckDB views."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.cli.platform_options import ACTOR, acting, cell


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


policy_app = typer.Typer(
    help="Show the access and masking policy; write it as DuckDB views.", no_args_is_help=True
)


@policy_app.command("views")
@handle_errors
def policy_views(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", "-r", help="The role whose views to write."),
    purpose: str | None = typer.Option(
        None,
        "--purpose",
        "-p",
        help="Filter rows by consent for this purpose (default: consent for every "
        "consent-governed purpose a product declares).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="DuckDB file (default evidence/views/ROLE[.PURPOSE].duckdb)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Write the role's governed views (masked fields, consent-filtered rows) to a DuckDB file,
    and the SQL beside it, so BI tools get the policy without the Python layer."""
    from privacymesh.platform import write_policy_views

    ws, who = acting(ctx)
    result = write_policy_views(ws, role, purpose=purpose, out=out, principal=who)
    table = Table(title=f"views for {role}" + (f" / {purpose}" if purpose else ""))
    table.add_column("view")
    table.add_column("masked fields", overflow="fold")
    for pid in result.products:
        table.add_row(pid, ", ".join(f"{k} ({v})" for k, v in result.masked[pid].items()) or "-")
    console.print(table)
    for pid, why in result.skipped.items():
        err_console.print(f"[yellow]skipped[/] {pid}: {why}", highlight=False)
    console.print(f"written {result.database} and {result.script}")
    console.print(
        f"hashed columns need the session key: run {result.key_script} (mode 0600, keep it "
        "private) in the BI session first",
        highlight=False,
    )


@policy_app.command("show")
@handle_errors
def policy_show(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="Product id."),
    role: str = typer.Option(..., "--role", "-r", help="The role."),
    purpose: str | None = typer.Option(None, "--purpose", "-p", help="The purpose."),
) -> None:
    """How each field of a product reaches a role: clear or masked, and which policy said so."""
    from privacymesh.platform import ConsentLedger, decide, load_policy
    from privacymesh.platform.catalog_cache import catalog_for

    ws = workspace_from(ctx)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    consent = ConsentLedger.open(ws, catalog=catalog, policy=policy)
    d = decide(policy, catalog, product, role, purpose, consent.consent_purposes)
    table = Table(
        title=f"{product} as {role} (clearance {d.clearance}, {d.role_source}); "
        f"policy {d.policy_version}"
    )
    for col in ("field", "classification", "category", "rule", "decided by"):
        table.add_column(col)
    for f in d.fields:
        table.add_row(f.name, cell(f.classification), cell(f.category), str(f.rule), f.source)
    console.print(table)
    rows = f"consent for {', '.join(d.consent_purposes)}" if d.consent_purposes else d.consent_note
    console.print(f"rows: {rows}")

"""`privacymesh policy ...`: the access and masking policy, shown or written as DuckDB views."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.acting import ACTOR, acting
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    err_console,
    handle_errors,
    print_rows,
    workspace_from,
)

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
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """How each field of a product reaches a role: clear or masked, and which policy said so."""
    from privacymesh.platform import ConsentLedger, decide, load_policy
    from privacymesh.platform.catalog_cache import catalog_for

    ws = workspace_from(ctx)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    consent = ConsentLedger.open(ws, catalog=catalog, policy=policy)
    d = decide(policy, catalog, product, role, purpose, consent.consent_purposes)
    title = (
        f"{product} as {role} (clearance {d.clearance}, {d.role_source}); policy {d.policy_version}"
    )
    fields = [
        {
            "field": f.name,
            "classification": f.classification,
            "category": f.category,
            "rule": str(f.rule),
            "decided by": f.source,
        }
        for f in d.fields
    ]
    columns = ("field", "classification", "category", "rule", "decided by")
    print_rows(title, fields, columns, as_json=as_json)
    if as_json:
        return
    rows = f"consent for {', '.join(d.consent_purposes)}" if d.consent_purposes else d.consent_note
    console.print(f"rows: {rows}")

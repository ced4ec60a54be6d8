"""`privacymesh findings`: every finding with its owner, due date and lifecycle; `findings
accept` and `findings reopen` record a decision on one, with its reason, in the ledger."""

from __future__ import annotations

from datetime import date, datetime, time

import typer

from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.errors import WorkspaceError

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


findings_app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="List findings with their owners, due dates and lifecycle; accept or reopen one.",
)


@findings_app.callback()
@handle_errors
def findings_command(
    ctx: typer.Context,
    open_: bool = typer.Option(False, "--open", help="Only findings not yet closed."),
    domain: list[str] | None = typer.Option(None, "--domain", "-d", help="Only these domains."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Findings from the ledger with their owners (the product's owning team) and due dates
    (days by severity from first seen: `[findings.due_days]`), opened, still open, accepted or
    closed."""
    if ctx.invoked_subcommand is not None:
        return
    # the ledger, the read model and Polars load only when findings are listed
    import polars as pl

    from privacymesh.catalog import load_catalog
    from privacymesh.ledger import Ledger
    from privacymesh.views import Scope
    from privacymesh.views.findings import FINDING_COLUMNS, DuePolicy, finding_table
    from privacymesh.views.sources import result_reads, with_reads

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
    scope = Scope(domains=tuple(domain or ()))
    with Ledger(ws.ledger_path, read_only=True, lock_timeout=5.0) as ledger:
        frame = finding_table(ledger, scope, owners, policy, open_only=open_)
        # what the latest result behind each finding read: source, version, rows
        frame = with_reads(frame, result_reads(ledger, scope))
    rows = frame.select(*FINDING_COLUMNS, "read").to_dicts()
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


def _day(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(23, 59, 59))
    except ValueError:
        raise WorkspaceError(
            f"{value!r} is not a day", field="--until", hint="YYYY-MM-DD, e.g. 2027-03-31"
        ) from None


def _decide(ctx: typer.Context, fingerprint: str, decision: str, reason: str, until: str | None):
    from privacymesh.ledger import Ledger, lock_timeout_for
    from privacymesh.platform.principals import principal_of

    ws = workspace_from(ctx)
    who = principal_of(ws)  # verified (OS user or token), never typed
    end = _day(until) if until else None
    with Ledger(ws.ledger_path, lock_timeout=lock_timeout_for(ws)) as ledger:
        head = ledger.decide_finding(fingerprint, decision, reason, end, who.name)
    console.print(
        f"{decision}ed finding {fingerprint} as {who.name}; ledger head {head.seq}",
        highlight=False,
        markup=False,
    )


@findings_app.command("accept")
@handle_errors
def accept_command(
    ctx: typer.Context,
    fingerprint: str = typer.Argument(..., help="The finding's fingerprint (findings --json)."),
    reason: str = typer.Option(..., "--reason", help="Why the risk is accepted (recorded)."),
    until: str = typer.Option(..., "--until", help="Last day the acceptance holds (YYYY-MM-DD)."),
) -> None:
    """Accept a finding until a day, with a reason: it is neither open nor overdue until then."""
    _decide(ctx, fingerprint, "accept", reason, until)


@findings_app.command("reopen")
@handle_errors
def reopen_command(
    ctx: typer.Context,
    fingerprint: str = typer.Argument(..., help="The finding's fingerprint (findings --json)."),
    reason: str = typer.Option(..., "--reason", help="Why it is reopened (recorded)."),
) -> None:
    """Reopen an accepted finding, with a reason."""
    _decide(ctx, fingerprint, "reopen", reason, None)

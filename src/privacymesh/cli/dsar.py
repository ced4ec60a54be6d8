"""`dsar`: open, export, erase and track data subject requests."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.cli.platform_options import ACTOR, AT_HELP, acting, cell, parse_time

dsar_app = typer.Typer(
    help="Open, export, erase and track data subject requests.", no_args_is_help=True
)


@dsar_app.command("open")
@handle_errors
def dsar_open(
    ctx: typer.Context,
    subject: str = typer.Option(..., "--subject", "-s", help="Any identifier of the subject."),
    type: str = typer.Option(..., "--type", "-t", help="access, erasure or rectification."),
    regulation: str | None = typer.Option(
        None, "--regulation", help="GDPR, CCPA, LGPD, DPDP ... (default: by the subject's country)."
    ),
    extended: bool = typer.Option(False, "--extended", help="The deadline is extended."),
    received_at: str | None = typer.Option(
        None, "--received-at", help="When it was received (default now). " + AT_HELP
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Record a request, plan one task per product holding the subject (lineage included)."""
    from privacymesh.platform import open_request

    ws, who = acting(ctx)
    req = open_request(
        ws,
        subject,
        type,
        regulation,
        extended=extended,
        received_at=parse_time(received_at, "--received-at"),
        actor=who.name,
    )
    console.print(f"{req.request_id}: {req.type} ({req.regulation}) due {cell(req.deadline)} UTC")
    table = Table(title=f"{len(req.tasks)} tasks")
    table.add_column("product")
    table.add_column("status")
    for t in req.tasks:
        table.add_row(f"{t['domain']}.{t['product']}", t["status"])
    console.print(table)


@dsar_app.command("export")
@handle_errors
def dsar_export(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., help="The request, e.g. dsar-00401."),
    out: Path = typer.Option(..., "--out", "-o", help="A new folder for the access package."),
    _actor: str | None = ACTOR,
) -> None:
    """Build the subject's access package: JSON per product with its purposes, legal basis,
    recipients and retention (GDPR Art. 15). It holds the subject's own data."""
    from privacymesh.platform import export_request

    ws, who = acting(ctx)
    result = export_request(ws, request_id, out, actor=who.name)
    for pid, n in result.products.items():
        console.print(f"{pid}: {n} rows")
    console.print(f"{len(result.files)} files written to {result.folder}")


@dsar_app.command("erase")
@handle_errors
def dsar_erase(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., help="The erasure request."),
    apply: bool = typer.Option(
        False, "--apply", help="Erase (without it: only show what would go)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Erase the subject from every product that can be written, then check every product for
    residue and record the verification in the ledger. Exits 1 when residue is left."""
    from privacymesh.platform import erase_request

    ws, who = acting(ctx)
    outcome = erase_request(ws, request_id, apply=apply, actor=who.name)
    table = Table(
        title=f"{request_id} ({'applied' if apply else 'dry run'}), subject {outcome.subject_ref}"
    )
    for col in ("product", "rows", "cells", "action", "erased", "residue"):
        table.add_column(col)
    for i in outcome.items:
        cells = ", ".join(f"{c}: {n}" for c, n in i.cells.items()) or "-"
        action = i.action + (f" ({i.reason})" if i.reason else "")
        table.add_row(
            i.product_id,
            str(i.key_rows),
            cells,
            action,
            f"{i.rows_erased} rows, {i.cells_erased} cells" if apply else "-",
            cell(i.residue_rows),
        )
    console.print(table)
    if not apply:
        console.print("dry run: pass --apply to erase")
        return
    if outcome.verified:
        console.print(f"[bold green]verified[/]: no residue (ledger run {outcome.run_id})")
    else:
        err_console.print(
            f"[bold red]residue left[/]: {outcome.residue} rows (ledger run {outcome.run_id})"
        )
        raise typer.Exit(int(ExitCode.FAILED))


@dsar_app.command("status")
@handle_errors
def dsar_status(
    ctx: typer.Context,
    request_id: str | None = typer.Argument(None, help="One request (with its tasks)."),
    all_: bool = typer.Option(False, "--all", help="Completed requests too."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Deadlines relative to this time (default now). " + AT_HELP
    ),
    limit: int = typer.Option(50, "--limit", help="Rows to show."),
) -> None:
    """Requests with their deadlines: days left, overdue, tasks done."""
    from privacymesh.platform import get_request, list_requests
    from privacymesh.platform.consent import utc_naive

    ws = workspace_from(ctx)
    now = utc_naive(parse_time(as_of, "--as-of"))
    requests = (
        [get_request(ws, request_id)] if request_id else list_requests(ws, open_only=not all_)
    )
    table = Table(title=f"{len(requests)} requests as of {now:%Y-%m-%d %H:%M} UTC")
    for col in (
        "request",
        "type",
        "regulation",
        "received",
        "deadline",
        "status",
        "days left",
        "tasks done",
    ):
        table.add_column(col)
    for r in requests[:limit]:
        left = r.days_left(now)
        due = (
            "[red]overdue[/]"
            if r.overdue(now)
            else (f"{left:.1f}" if left is not None and r.status != "completed" else "-")
        )
        done = sum(1 for t in r.tasks if t["status"] == "completed")
        table.add_row(
            r.request_id,
            r.type,
            r.regulation,
            cell(r.received_at),
            cell(r.deadline),
            r.status,
            due,
            f"{done}/{len(r.tasks)}",
        )
    console.print(table)
    if request_id:
        tasks = Table(title="tasks")
        for col in ("product", "status", "completed"):
            tasks.add_column(col)
        for t in requests[0].tasks:
            tasks.add_row(f"{t['domain']}.{t['product']}", t["status"], cell(t["completed_at"]))
        console.print(tasks)

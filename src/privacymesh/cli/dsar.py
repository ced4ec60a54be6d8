"""`dsar`: open, export, erase and track data subject requests."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.acting import ACTOR, acting
from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    cell,
    console,
    err_console,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.cli.times import AT_HELP, parse_time

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
        None,
        "--as-of",
        help="Deadlines relative to this time (default: the workspace's reference time, its "
        "[run] as_of when pinned, else now: the same time the dsar checks use). " + AT_HELP,
    ),
    limit: int = typer.Option(50, "--limit", help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Requests with their deadlines: days left, overdue, tasks done."""
    from privacymesh.platform import get_request, list_requests
    from privacymesh.platform.consent import utc_naive
    from privacymesh.runner import as_of_from

    ws = workspace_from(ctx)
    given = parse_time(as_of, "--as-of")
    now = as_of_from(ws, utc_naive(given) if given else None)
    source = (
        "--as-of"
        if given
        else "the workspace's [run] as_of"
        if ws.section("run").get("as_of")
        else "now"
    )
    requests = (
        [get_request(ws, request_id)] if request_id else list_requests(ws, open_only=not all_)
    )
    rows = []
    for r in requests[:limit]:
        left = r.days_left(now)
        done = sum(1 for t in r.tasks if t["status"] == "completed")
        rows.append(
            {
                "request": r.request_id,
                "type": r.type,
                "regulation": r.regulation,
                "received": r.received_at,
                "deadline": r.deadline,
                "status": r.status,
                "overdue": r.overdue(now),
                "days left": round(left, 1)
                if left is not None and r.status != "completed"
                else None,
                "tasks done": f"{done}/{len(r.tasks)}",
                **(
                    {
                        "tasks": [
                            {
                                "product": f"{t['domain']}.{t['product']}",
                                "status": t["status"],
                                "completed": t["completed_at"],
                            }
                            for t in r.tasks
                        ]
                    }
                    if as_json and request_id
                    else {}
                ),
            }
        )
    overdue = sum(r.overdue(now) for r in requests)
    title = (
        f"{len(requests)} requests, {overdue} overdue, as of {now:%Y-%m-%d %H:%M} UTC ({source})"
    )
    columns = ("request", "type", "regulation", "received", "deadline", "status", "overdue",
               "days left", "tasks done")  # fmt: skip
    print_rows(
        title,
        rows,
        columns,
        as_json=as_json,
        styles={"overdue": lambda row: "red" if row["overdue"] else None},
    )
    if request_id and not as_json:
        tasks = [
            {
                "product": f"{t['domain']}.{t['product']}",
                "status": t["status"],
                "completed": t["completed_at"],
            }
            for t in requests[0].tasks
        ]
        print_rows("tasks", tasks, ("product", "status", "completed"))

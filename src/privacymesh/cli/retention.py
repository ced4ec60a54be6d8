"""`retention`: plan and apply the declared retention policies."""

from __future__ import annotations

import sys

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
from privacymesh.errors import PrivacyMeshError
from privacymesh.verdict import Status

retention_app = typer.Typer(
    help="Plan and apply the declared retention policies.", no_args_is_help=True
)
PRODUCTS = typer.Option(None, "--product", help="Only these products (repeatable).")
AS_OF = typer.Option(
    None,
    "--as-of",
    help="Reference time (default: the workspace's [run] as_of, else now). " + AT_HELP,
)


def _plan_table(plan) -> Table:  # type: ignore[no-untyped-def]
    table = Table(
        title=f"retention as of {plan.as_of:%Y-%m-%d %H:%M} (policy {plan.policy_version})"
    )
    for col in (
        "product",
        "retention",
        "element",
        "rows",
        "due",
        "subjects",
        "oldest due",
        "legal basis",
        "action",
    ):
        table.add_column(col, justify="right" if col in ("rows", "due", "subjects") else "left")
    for i in plan.items:
        action = i.action if not i.blocked or not i.due else f"blocked: {i.blocked}"
        table.add_row(
            i.product_id,
            f"{i.retention_days} d",
            i.element,
            f"{i.rows:,}",
            f"{i.due:,}",
            cell(i.subjects),
            cell(i.oldest),
            cell(i.legal_basis),
            action,
        )
    return table


PLAN_COLUMNS = (
    "product", "retention_days", "element", "rows", "due", "subjects", "oldest_due",
    "legal_basis", "action",
)  # fmt: skip


@retention_app.command("plan")
@handle_errors
def retention_plan(
    ctx: typer.Context,
    product: list[str] | None = PRODUCTS,
    as_of: str | None = AS_OF,
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Per product: how many rows the declared retention says must go, the oldest, the basis."""
    from privacymesh.platform import plan_retention

    plan = plan_retention(workspace_from(ctx), products=product, as_of=parse_time(as_of, "--as-of"))
    rows = [
        {
            "product": i.product_id,
            "retention_days": i.retention_days,
            "element": i.element,
            "rows": i.rows,
            "due": i.due,
            "subjects": i.subjects,
            "oldest_due": i.oldest,
            "legal_basis": i.legal_basis,
            "action": i.action if not i.blocked or not i.due else f"blocked: {i.blocked}",
        }
        for i in plan.items
    ]
    title = f"retention as of {plan.as_of:%Y-%m-%d %H:%M} (policy {plan.policy_version})"
    print_rows(title, rows, PLAN_COLUMNS, as_json=as_json)
    if not as_json:
        console.print(f"{plan.due:,} rows due in {sum(1 for i in plan.items if i.due)} products")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _applied_table(title: str, applied) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=title)
    for col in ("product", "planned", "deleted", "left due", "status"):
        table.add_column(col)
    for a in applied:
        if a.planned or a.deleted or a.status != Status.PASS:
            table.add_row(
                a.product_id,
                f"{a.planned:,}",
                f"{a.deleted:,}",
                f"{a.left:,}",
                a.status + (f": {a.reason}" if a.reason else ""),
            )
    return table


@retention_app.command("apply")
@handle_errors
def retention_apply(
    ctx: typer.Context,
    product: list[str] | None = PRODUCTS,
    as_of: str | None = AS_OF,
    dry_run: bool = typer.Option(
        True, "--dry-run/--no-dry-run", help="Only show the plan (the default)."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Delete without asking (needed when not on a terminal)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Delete the rows due from every writable source (Parquet rewritten atomically, DuckDB
    tables), verify, and record it in the ledger: the intent before, the completion after.
    Dry run unless --no-dry-run; asks before deleting unless --yes. An apply interrupted
    earlier is finished (or found done) first."""
    from privacymesh.platform import apply_retention

    if not dry_run and not yes and not _stdin_is_terminal():
        raise PrivacyMeshError(
            "refusing to delete without confirmation: not on a terminal",
            field="--yes",
            hint="pass --yes to delete, or leave out --no-dry-run to see the plan",
        )

    def confirm(plan) -> bool:  # type: ignore[no-untyped-def]
        console.print(_plan_table(plan))
        products = sum(1 for i in plan.items if i.action == "delete")
        return yes or typer.confirm(f"Delete {plan.due:,} rows from {products} product(s)?")

    ws, who = acting(ctx)
    outcome = apply_retention(
        ws,
        products=product,
        as_of=parse_time(as_of, "--as-of"),
        dry_run=dry_run,
        actor=who.name,
        confirm=None if dry_run else confirm,
    )
    for resumed in outcome.resumed:
        console.print(
            _applied_table(
                f"finished an interrupted apply (intent {resumed.intent_id}, "
                f"ledger run {resumed.run_id})",
                resumed.applied,
            )
        )
        for a in resumed.applied:
            console.print(f"{a.product_id}: {a.outcome.replace('_', ' ')}, {a.deleted:,} rows")
    if outcome.dry_run:
        console.print(_plan_table(outcome.plan))
        for intent in outcome.open_intents:
            err_console.print(
                f"an earlier apply was interrupted (intent {intent}): the next apply finishes it",
                highlight=False,
            )
        if outcome.cancelled:
            console.print("cancelled: nothing deleted")
            raise typer.Exit(int(ExitCode.FAILED))
        console.print(
            f"dry run: {outcome.plan.due:,} rows would be deleted; pass --no-dry-run to delete them"
        )
        return
    if not any(i.action == "delete" for i in outcome.plan.items):
        console.print(_plan_table(outcome.plan))  # confirm showed it otherwise
    console.print(_applied_table(f"applied (ledger run {outcome.run_id})", outcome.applied))
    if outcome.intent_id:
        console.print(f"deletion intent recorded first as ledger run {outcome.intent_id}")
    spooled = [outcome.spooled, *(r.spooled for r in outcome.resumed)]
    for path in filter(None, spooled):
        err_console.print(
            f"the ledger was busy: the completion waits in {path}; the next run or "
            "`privacymesh evidence recover` records it",
            highlight=False,
            soft_wrap=True,
        )
    finished = sum(a.deleted for r in outcome.resumed for a in r.applied)
    extra = f" (and {finished:,} finishing an interrupted apply)" if outcome.resumed else ""
    console.print(f"{outcome.deleted:,} rows deleted{extra}")
    if any(spooled):
        raise typer.Exit(int(ExitCode.ERROR))  # deleted, but its record is not in the ledger yet
    applied = [*outcome.applied, *(a for r in outcome.resumed for a in r.applied)]
    if any(a.status in (Status.FAIL, Status.ERROR) for a in applied):
        raise typer.Exit(int(ExitCode.FAILED))

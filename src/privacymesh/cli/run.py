"""`privacymesh run`: the check catalog over the mesh, recorded in the ledger."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from privacymesh.cli.output import (
    console,
    err_console,
    handle_errors,
    print_rows,
    progress_bar,
    workspace_from,
)
from privacymesh.verdict import Status

if TYPE_CHECKING:
    from privacymesh.checks.results import CheckResult
    from privacymesh.runner import RunOutcome


@handle_errors
def run_command(
    ctx: typer.Context,
    check: list[str] | None = typer.Option(
        None, "--check", "-c", help="Check id or prefix (repeatable; default all)."
    ),
    domain: list[str] | None = typer.Option(None, "--domain", "-d", help="Only these domains."),
    product: list[str] | None = typer.Option(None, "--product", "-p", help="Only these products."),
    engine: str | None = typer.Option(
        None, "--engine", help="duckdb or spark (default: the workspace's engine)."
    ),
    no_record: bool = typer.Option(False, "--no-record", help="Do not write to the ledger."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Processes for the PII detector (default: the workspace's [run] workers, "
        "else one per core when 8 or more products are scanned; 1 runs everything here).",
    ),
) -> None:
    """Run the checks over the products and record every result in the ledger.
    Exit code 0 when all pass, 1 when some fail, 2 when some could not run."""
    # the runner (engine, detector, ledger) loads only when checks run: `run --help` is quick
    from privacymesh.runner import run_checks

    ws = workspace_from(ctx)
    with progress_bar() as bar:
        task = bar.add_task("checks", total=None)

        def report(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=label[:40])

        outcome = run_checks(
            ws,
            check,
            product,
            domain,
            record=not no_record,
            engine_kind=engine,
            progress=report,
            workers=workers,
        )
    print_outcome(outcome)
    raise typer.Exit(outcome.exit_code)


def print_outcome(outcome: RunOutcome) -> None:
    """Summary tables: pass / fail / error per check and per domain, the counts, then every
    failing or unrunnable check and product."""
    for error in outcome.spec_errors:
        err_console.print(f"[red]check file error[/] {error}", highlight=False)
    for key, title in (("check_id", "check"), ("domain", "domain")):
        counts: dict[str, Counter[str]] = {}
        for r in outcome.results:
            counts.setdefault(getattr(r, key) or "-", Counter())[r.status] += 1
        table = Table(title=f"results by {title}")
        table.add_column(title)
        shown = ((Status.PASS, "green"), (Status.FAIL, "red"), (Status.ERROR, "yellow"))
        for status, color in shown:
            table.add_column(f"[{color}]{status}[/]", justify="right")
        for name in sorted(counts):
            c = counts[name]
            table.add_row(name, *(str(c[status]) for status, _ in shown))
        console.print(table)
    for run_id in outcome.recovered:
        console.print(f"recorded spooled run {run_id} first", highlight=False)
    if outcome.spooled:
        err_console.print(
            f"[bold red]error:[/] the ledger could not take run {outcome.run_id} "
            f"({outcome.spool_reason}); its results are kept in {outcome.spooled}: the next run "
            "or `privacymesh evidence recover` records them",
            highlight=False,
            soft_wrap=True,
        )
    where = (
        f"recorded as run {outcome.run_id}"
        if outcome.run_id and not outcome.spooled
        else f"spooled as run {outcome.run_id}"
        if outcome.spooled
        else "not recorded"
    )
    console.print(
        f"{len(outcome.results)} results: {outcome.count(Status.PASS)} pass, "
        f"{outcome.count(Status.FAIL)} fail, {outcome.count(Status.ERROR)} error ({where}; "
        f"as of {outcome.as_of:%Y-%m-%d %H:%M})"
    )
    print_failures(outcome.results)
    if outcome.alerts is not None:
        printer = err_console if outcome.alerts.error or outcome.alerts.count("failed") else console
        printer.print(outcome.alerts.summary(), highlight=False, soft_wrap=True)


FAILURES_SHOWN = 50


def print_failures(results: list[CheckResult]) -> None:
    """The failing and unrunnable checks and products, after the counts: check, product,
    status, exceptions and reason. Reasons are the checks' own words, but one quoting personal
    data (a message from a source, say) is withheld."""
    import polars as pl

    from privacymesh.detect.guard import find_personal
    from privacymesh.views.failures import failing

    frame = failing(
        pl.DataFrame(
            {
                "check_id": [r.check_id for r in results],
                "product_id": [r.product for r in results],
                "domain": [r.domain for r in results],
                "status": [r.status for r in results],
                "severity": [r.severity for r in results],
                "exceptions": [r.exceptions for r in results],
                "reason": [r.reason for r in results],
            },
            schema={
                "check_id": pl.String,
                "product_id": pl.String,
                "domain": pl.String,
                "status": pl.String,
                "severity": pl.String,
                "exceptions": pl.Int64,
                "reason": pl.String,
            },
        )
    )
    if frame.is_empty():
        return
    personal = find_personal(frame["reason"].drop_nulls().unique().to_list())
    rows = [
        {
            **row,
            "reason": "(withheld: quotes personal data)"
            if row["reason"] in personal
            else row["reason"],
        }
        for row in frame.head(FAILURES_SHOWN).to_dicts()
    ]
    more = f", the first {FAILURES_SHOWN} shown" if frame.height > FAILURES_SHOWN else ""
    print_rows(
        f"{frame.height} failing or unrunnable{more}",
        rows,
        ("check_id", "product", "status", "exceptions", "reason"),
        styles={"status": lambda r: "red" if r["status"] == Status.FAIL else "yellow"},
    )

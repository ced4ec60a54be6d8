"""`privacymesh demo`: the main job on the bundled sample mesh, step by step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from privacymesh.cli.output import console, err_console, handle_errors, progress_bar, workspace_from
from privacymesh.cli.run import print_outcome
from privacymesh.cli.sample import sample_command
from privacymesh.verdict import Status

if TYPE_CHECKING:
    import polars as pl

    from privacymesh.catalog import Catalog
    from privacymesh.packs import PackResult
    from privacymesh.runner import RunOutcome
    from privacymesh.workspace import Workspace


@handle_errors
def demo_command(
    ctx: typer.Context,
    weeks: int | None = typer.Option(
        None,
        "--weeks",
        min=1,
        help="Weekly reference times the first demo records, ending at the sample's pinned "
        "one, so trends have points (default: the sample's twelve weeks; 1: one run only). "
        "Later demos add one run.",
    ),
) -> None:
    """Run the main job on the sample mesh: generate it when missing, validate the catalog,
    run every check (on a first demo at twelve weekly reference times, so every trend has
    history), record the results in the evidence ledger and build the quarter's audit pack."""
    # the catalog, engine and runner load when the demo runs: `demo --help` answers at once
    from privacymesh.catalog import load_catalog
    from privacymesh.engine import open_engine
    from privacymesh.runner import run_checks
    from privacymesh.sample.history import HISTORY_WEEKS
    from privacymesh.summary import summarize

    weeks = HISTORY_WEEKS if weeks is None else weeks
    ws = workspace_from(ctx)
    generated = not ws.catalog.is_dir() or not any(ws.catalog.rglob("*.odcs.yaml"))
    if generated:
        console.print(f"[bold]No catalog at {ws.catalog}: generating the sample mesh[/]")
        sample_command(ctx, out=None, scale=None, seed=None)

    console.rule("[bold]1. catalog")
    catalog = load_catalog(ws.catalog)
    for issue in catalog.issues:
        err_console.print(f"[red]{issue.severity}[/] {issue}", highlight=False)
    with open_engine(ws, catalog) as engine:
        summary = summarize(catalog, engine)
        registration = engine.registration
    console.print(
        f"{len(catalog.products)} of {len(catalog.contracts)} contracts valid, "
        f"{len(catalog.domains)} domains; {len(registration.products)} products and "
        f"{len(registration.platform)} platform tables registered in {ws.engine.name}"
    )
    for name, reason in summary.failed.items():
        err_console.print(f"[red]unreadable[/] {name}: {reason}", highlight=False)
    console.print(_domain_table(summary.products))

    console.rule("[bold]2. checks")
    history: list[RunOutcome] = []
    if weeks > 1 and not ws.ledger_path.exists():
        history = _record_history(ws, catalog, weeks)
    with progress_bar() as bar:
        task = bar.add_task("checks", total=None)
        outcome = run_checks(
            ws,
            catalog=catalog,
            progress=lambda done, total, label: bar.update(
                task, completed=done, total=total, description=label[:40]
            ),
        )
    print_outcome(outcome)
    console.print(f"evidence ledger: {ws.ledger_path}")
    outcomes = [*history, outcome]

    console.rule("[bold]3. audit pack")
    from privacymesh.packs import PackOptions, build_pack

    reference = outcome.as_of or datetime.now(UTC)
    period = f"{reference.year}-Q{(reference.month - 1) // 3 + 1}"
    pack = build_pack(ws, PackOptions(period=period), catalog=catalog)
    console.print(f"audit pack for {period}: {pack.root / 'index.html'}")
    if not pack.pdf_written:
        # escaped: Rich would read `privacymesh[pdf]` in the hint as markup and drop it
        err_console.print(f"no PDF: {escape(pack.pdf.reason or '')}", highlight=False)

    console.rule("[bold]what the demo built")
    for line in built_summary(ws, generated, outcome, pack, runs=len(outcomes)):
        console.print(escape(line), highlight=False, soft_wrap=True)


def _record_history(ws: Workspace, catalog: Catalog, weeks: int) -> list[RunOutcome]:
    """The weeks before the pinned reference time, each a full run recorded in the ledger."""
    from privacymesh.sample.history import record_history, weekly_reference_times
    from privacymesh.workspace import as_of_from

    times = weekly_reference_times(as_of_from(ws), weeks)[:-1]
    console.print(
        f"First demo: recording {len(times)} earlier weeks of evidence "
        f"({times[0]:%Y-%m-%d} to {times[-1]:%Y-%m-%d}) so the trends have history"
    )
    with progress_bar() as bar:
        task = bar.add_task("weeks", total=len(times))

        def report(week: int, total: int, when: datetime) -> None:
            bar.update(task, completed=week - 1, description=f"week of {when:%Y-%m-%d}")

        outcomes = record_history(ws, times, catalog=catalog, progress=report)
        bar.update(task, completed=len(times))
    return outcomes


def built_summary(
    ws: Workspace, generated: bool, outcome: RunOutcome, pack: PackResult, runs: int = 1
) -> list[str]:
    """What the demo built and where, and what to do next: plain lines for the end of a run."""
    from privacymesh.packs.build import PDF_MISSING  # packs load only when a pack is built

    rel = _relative_to(ws.root)
    failing = outcome.count(Status.FAIL) + outcome.count(Status.ERROR)
    pdf = (
        f"{rel(pack.root / 'index.pdf')}"
        if pack.pdf_written
        else f"no PDF ({rel(pack.root / PDF_MISSING)} says why)"
    )
    return [
        f"sample mesh      {rel(ws.sample)} "
        + ("(generated now)" if generated else "(already there, reused)"),
        f"evidence ledger  {rel(ws.ledger_path)}: "
        + (f"{runs} weekly runs, the last " if runs > 1 else "")
        + f"run {outcome.run_id}, {len(outcome.results)} results, {failing} failing or not run",
        f"audit pack       {rel(pack.root)}/: {rel(pack.root / 'index.html')}, {pdf}, "
        "OSCAL, data/, manifest.json",
        "next             `privacymesh dashboard` serves the leadership dashboard on a free "
        "local port and prints its URL (Ctrl+C stops it; `make demo` starts it now);",
        "                 `privacymesh findings --open` lists what failed; "
        f"`privacymesh pack sign {rel(pack.root)} --as reviewer` signs the pack off.",
    ]


def _relative_to(root: Path):  # type: ignore[no-untyped-def]
    def rel(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            return str(path)

    return rel


def _domain_table(products: pl.DataFrame) -> Table:
    import polars as pl

    table = Table(title="the mesh by domain")
    for col in ("domain", "products", "rows", "personal fields", "without retention"):
        table.add_column(col, justify="left" if col == "domain" else "right")
    agg = (
        products.group_by("domain")
        .agg(
            pl.len().alias("products"),
            pl.col("rows").sum().alias("rows"),
            pl.col("personal_fields").sum().alias("personal"),
            ((pl.col("personal_fields") > 0) & pl.col("retention_days").is_null())
            .sum()
            .alias("no_retention"),
        )
        .sort("domain")
    )
    for r in agg.iter_rows(named=True):
        table.add_row(
            r["domain"],
            str(r["products"]),
            f"{r['rows']:,}",
            str(r["personal"]),
            str(r["no_retention"]),
        )
    return table

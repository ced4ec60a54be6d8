"""`privacymesh schedule`: run every check on its own cron expression until stopped."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import typer
from rich.logging import RichHandler
from rich.table import Table

from privacymesh.cli.output import console, err_console, handle_errors, workspace_from


@handle_errors
def schedule_command(
    ctx: typer.Context,
    check: list[str] | None = typer.Option(None, "--check", "-c", help="Only these checks."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the jobs and their next run times, then exit."
    ),
) -> None:
    """Run each check on its own cron schedule, logging every run; a failing run is logged
    and the schedule goes on. Stop with Ctrl-C."""
    # the scheduler and the runner behind it load when scheduling starts
    from privacymesh.runner.schedule import build_scheduler, next_runs

    ws = workspace_from(ctx)
    ws.evidence.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(message)s",
        handlers=[
            RichHandler(console=err_console, show_path=False),
            logging.FileHandler(ws.evidence / "schedule.log"),
        ],
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(ws, checks=check)
    table = Table(title="scheduled jobs (UTC)")
    table.add_column("checks")
    table.add_column("next run")
    for name, when in next_runs(scheduler, datetime.now(UTC)):
        table.add_row(name, f"{when:%Y-%m-%d %H:%M}")
    console.print(table)
    if dry_run:
        return
    console.print(f"scheduler running; log in {ws.evidence / 'schedule.log'}; Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        console.print("scheduler stopped")

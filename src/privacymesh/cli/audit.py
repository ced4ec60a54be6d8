"""`audit`: verify and search the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path

import typer

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    err_console,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.cli.times import AT_HELP, parse_time

audit_app = typer.Typer(help="Verify and search the hash-chained audit log.", no_args_is_help=True)
LOG = typer.Option(None, "--log", help="The audit log file (default: the workspace's).")


def _log(ctx: typer.Context, path: Path | None):  # type: ignore[no-untyped-def]
    from privacymesh.platform import audit

    return audit.open_log(workspace_from(ctx), path=path)


@audit_app.command("verify")
@handle_errors
def audit_verify(
    ctx: typer.Context,
    log: Path | None = LOG,
    expect_head: str | None = typer.Option(
        None,
        "--expect-head",
        metavar="SEQ:HASH",
        help="A head published earlier that must still be in the chain.",
    ),
) -> None:
    """Recompute the audit log's hash chain. Exits 0 when intact, 1 when a record was changed,
    removed or moved (the first one is named)."""
    from privacymesh.cli.evidence import _parse_head

    anchor = _parse_head(expect_head) if expect_head else None
    opened = _log(ctx, log)
    report = opened.verify(anchor)
    console.print(
        f"audit log {opened.path}: {report.records_total:,} records, "
        f"{report.records_checked:,} verified in {report.seconds:.2f} s"
    )
    console.print(f"chain head {report.head}", highlight=False, soft_wrap=True)
    if report.ok:
        console.print("[bold green]chain intact[/]")
        return
    err_console.print(
        f"[bold red]chain broken[/] at {report.first_break}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(int(ExitCode.FAILED))


@audit_app.command("list")
@handle_errors
def audit_list(
    ctx: typer.Context,
    actor: str | None = typer.Option(None, "--actor", help="Only this actor."),
    action: str | None = typer.Option(
        None, "--action", help="Only this action or family (query, consent, dsar ...)."
    ),
    product: str | None = typer.Option(None, "--product", help="Only this product."),
    purpose: str | None = typer.Option(None, "--purpose", help="Only this purpose."),
    subject: str | None = typer.Option(
        None, "--subject", help="Only records about this subject (pseudonymised to search)."
    ),
    since: str | None = typer.Option(None, "--since", help="From this time. " + AT_HELP),
    limit: int = typer.Option(50, "--limit", help="Newest rows to show."),
    log: Path | None = LOG,
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Search the audit log (newest last)."""
    opened = _log(ctx, log)
    frame = opened.query(
        actor=actor,
        action=action,
        product=product,
        purpose=purpose,
        subject=subject,
        since=parse_time(since, "--since"),
    )
    columns = ("seq", "at", "actor", "action", "product", "purpose", "role", "decision",
               "rows", "subjects", "subject_ref")  # fmt: skip
    title = f"{frame.height} audit records"
    print_rows(title, frame.tail(limit).select(columns).to_dicts(), columns, as_json=as_json)

"""`consent`: check, grant and withdraw consent; list and acknowledge propagation notices."""

from __future__ import annotations

import typer

from privacymesh.cli.acting import ACTOR, acting
from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import JSON_OPTION_HELP, cell, console, handle_errors, print_rows
from privacymesh.cli.times import AT_HELP, parse_time

consent_app = typer.Typer(
    help="Check, grant and withdraw consent; list propagation notices.", no_args_is_help=True
)


def _ledger(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from privacymesh.platform import ConsentLedger

    ws, who = acting(ctx)
    return ConsentLedger.open(ws, actor=who.name)


@consent_app.command("check")
@handle_errors
def consent_check(
    ctx: typer.Context,
    subject: str = typer.Argument(
        ..., help="User id, customer reference, e-mail, e-mail hash or device id."
    ),
    purpose: str = typer.Argument(..., help="Processing purpose, e.g. marketing."),
    at: str | None = typer.Option(
        None, "--at", help="Check at this time instead of now. " + AT_HELP
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Whether the subject's data may be processed for the purpose. Exits 0 when permitted,
    1 when not."""
    ledger = _ledger(ctx)
    status = ledger.check(subject, purpose, parse_time(at, "--at"))
    verdict = "[bold green]permitted[/]" if status.permitted else "[bold red]not permitted[/]"
    console.print(f"{status.user_id} / {purpose}: {verdict} at {status.at:%Y-%m-%d %H:%M:%S} UTC")
    if status.event_id:
        console.print(
            f"latest event {status.event_id}: {status.action} at {cell(status.event_time)} "
            f"(source {status.source}, notice {status.notice_version})",
            highlight=False,
        )
    else:
        console.print("no consent event for this purpose")
    if status.pending_notices:
        console.print(
            f"{status.pending_notices} propagation notice(s) pending, "
            f"{status.overdue_notices} overdue"
        )
    if not status.permitted:
        raise typer.Exit(int(ExitCode.FAILED))


def _change(
    ctx: typer.Context,
    action: str,
    subject: str,
    purpose: str,
    source: str,
    notice_version: str | None,
    at: str | None,
) -> None:
    ledger = _ledger(ctx)
    record = ledger.grant if action == "grant" else ledger.revoke
    change = record(
        subject, purpose, source=source, notice_version=notice_version, at=parse_time(at, "--at")
    )
    word = "granted" if action == "grant" else "withdrawn"
    console.print(
        f"{change.event_id}: {purpose} {word} for {change.user_id} "
        f"at {change.at:%Y-%m-%d %H:%M:%S} UTC"
    )
    if change.products:
        console.print(
            f"{len(change.notice_ids)} propagation notice(s): {', '.join(change.products)}"
        )


SOURCE = typer.Option(
    "api", "--source", help="Where the subject acted: web, app, api, support, gpc."
)
NOTICE = typer.Option(None, "--notice-version", help="Privacy notice shown (default: the latest).")


@consent_app.command("grant")
@handle_errors
def consent_grant(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="The subject, in any identifier form."),
    purpose: str = typer.Argument(..., help="The purpose consented to."),
    source: str = SOURCE,
    notice_version: str | None = NOTICE,
    at: str | None = typer.Option(None, "--at", help="When (default now). " + AT_HELP),
    _actor: str | None = ACTOR,
) -> None:
    """Record a grant (or re-confirmation) and notify the products that process the purpose."""
    _change(ctx, "grant", subject, purpose, source, notice_version, at)


@consent_app.command("revoke")
@handle_errors
def consent_revoke(
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="The subject, in any identifier form."),
    purpose: str = typer.Argument(..., help="The purpose withdrawn."),
    source: str = SOURCE,
    notice_version: str | None = NOTICE,
    at: str | None = typer.Option(None, "--at", help="When (default now). " + AT_HELP),
    _actor: str | None = ACTOR,
) -> None:
    """Record a withdrawal: from then on checks for the purpose say no, governed queries drop
    the subject, and every product processing the purpose (and downstream) gets a notice."""
    _change(ctx, "withdraw", subject, purpose, source, notice_version, at)


@consent_app.command("notices")
@handle_errors
def consent_notices(
    ctx: typer.Context,
    pending: bool = typer.Option(True, "--pending/--all", help="Only notices not yet applied."),
    limit: int = typer.Option(50, "--limit", help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Propagation notices: which product must apply which consent change, by when."""
    ledger = _ledger(ctx)
    frame = ledger.notices(pending_only=pending).sort("issued_at", descending=True)
    columns = ("notice_id", "event_id", "purpose", "action", "product", "due_at", "applied_at")
    title = f"{frame.height} {'pending ' if pending else ''}notices"
    print_rows(title, frame.head(limit).select(columns).to_dicts(), columns, as_json=as_json)


@consent_app.command("ack")
@handle_errors
def consent_ack(
    ctx: typer.Context,
    event_id: str = typer.Argument(..., help="The consent event, e.g. ce-0079624."),
    product: str = typer.Argument(..., help="The product that applied it."),
    at: str | None = typer.Option(
        None, "--at", help="When it was applied (default now). " + AT_HELP
    ),
) -> None:
    """Mark a propagation notice applied (a domain's pipeline has honoured the change)."""
    ledger = _ledger(ctx)
    n = ledger.acknowledge(event_id, product, parse_time(at, "--at"))
    console.print(f"{n} notice(s) of {event_id} applied by {product}")

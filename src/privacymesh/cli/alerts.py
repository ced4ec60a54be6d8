"""`privacymesh alerts send`: tell owners about new failures and findings past due."""

from __future__ import annotations

import typer

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, handle_errors, print_rows, workspace_from

alerts_app = typer.Typer(no_args_is_help=True, help="Notify product owners (webhook, e-mail).")


@alerts_app.command("send")
@handle_errors
def send_command(
    ctx: typer.Context,
    run: str | None = typer.Option(None, "--run", help="The run to alert on (default: newest)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="List what would be sent; send and record nothing."
    ),
) -> None:
    """Send the alerts of a run that no channel has sent yet, and record each delivery in the
    ledger. Exit 1 when a delivery failed after its retries."""
    from privacymesh.alerts import send_alerts

    report = send_alerts(workspace_from(ctx), run_id=run, dry_run=dry_run)
    rows = [
        {
            "channel": channel,
            "kind": a.trigger,
            "check": a.check_id,
            "product": a.product_id or f"domain {a.domain}",
            "owner": a.owner or "-",
            "exceptions": a.exceptions,
            "reference": a.reference,
        }
        for channel, a in report.planned
    ]
    if rows:
        title = "would send" if dry_run else "sent"
        print_rows(
            f"{len(rows)} alerts {title} for run {report.run_id}",
            rows,
            ("channel", "kind", "check", "product", "owner", "exceptions", "reference"),
        )
    console.print(report.summary(), highlight=False)
    if report.count("failed"):
        for delivery, alerts in report.deliveries:
            if delivery.status == "failed":
                console.print(
                    f"failed: {delivery.channel} after {delivery.attempts} attempts "
                    f"({delivery.error}); {len(alerts)} alerts",
                    highlight=False,
                )
        raise typer.Exit(int(ExitCode.FAILED))

"""`privacymesh report leadership`: the leadership summary of a period, from the ledger."""

from __future__ import annotations

from pathlib import Path

import typer

from privacymesh.cli.output import console, handle_errors, workspace_from
from privacymesh.cli.pack import (
    DOMAIN,
    FROM,
    LEDGER,
    NO_PDF,
    OUT,
    PERIOD,
    TO,
    pack_options,
    pdf_note,
)

report_app = typer.Typer(help="Reports built from the evidence ledger.", no_args_is_help=True)


@report_app.callback()
def report() -> None:
    """Reports built from the evidence ledger (the leadership summary)."""


@report_app.command("leadership")
@handle_errors
def leadership(
    ctx: typer.Context,
    period: str | None = PERIOD,
    first: str | None = FROM,
    last: str | None = TO,
    domain: list[str] | None = DOMAIN,
    out: Path | None = OUT,
    no_pdf: bool = NO_PDF,
    ledger: Path | None = LEDGER,
) -> None:
    """The two-page leadership summary of a period (posture per domain, trend, top risks, cost
    and headcount) under evidence/reports/leadership-<name>/ (or --out)."""
    from privacymesh.packs.leadership import build_leadership

    ws = workspace_from(ctx)
    result = build_leadership(ws, pack_options(period, first, last, domain, out, no_pdf, ledger))
    for path in result.files:
        console.print(str(path), highlight=False, soft_wrap=True)
    pdf_note(result.pdf.available, result.pdf.reason)
    console.print(f"[bold green]leadership summary written[/] {result.root}", highlight=False)

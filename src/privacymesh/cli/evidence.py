"""`privacymesh evidence ...`: verify the ledger's hash chain, export its tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import typer
from rich.table import Table

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.errors import first_line
from privacymesh.ledger import Ledger, LedgerError, VerifyReport, verify_export
from privacymesh.ledger.export import FORMATS

evidence_app = typer.Typer(
    help="Verify and export the evidence ledger (the hash-chained record of every check run).",
    no_args_is_help=True,
)

LEDGER_OPTION = typer.Option(
    None,
    "--ledger",
    "-l",
    help="The ledger file (default: the workspace's evidence/ledger.duckdb).",
)


def _ledger_path(ctx: typer.Context, ledger: Path | None) -> Path:
    return ledger if ledger is not None else workspace_from(ctx).ledger_path


def _parse_head(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise LedgerError(
            f"--expect-head {text!r} is not SEQ:HASH",
            field="--expect-head",
            hint="e.g. 1204:3f9a... (64 hex digits), as printed by a previous verify",
        )
    return int(seq), digest.strip().lower()


def _print_report(report: VerifyReport, source: Path) -> None:
    table = Table(title=f"evidence ledger {source}", show_header=True)
    table.add_column("table")
    table.add_column("records", justify="right")
    for name, count in report.table_counts.items():
        table.add_row(name, f"{count:,}")
    table.add_row("[bold]all[/]", f"[bold]{report.records_total:,}[/]")
    console.print(table)
    console.print(f"records verified: {report.records_checked:,} in {report.seconds:.2f} s")
    console.print(f"chain head {report.head}", highlight=False, soft_wrap=True)
    if report.ok:
        console.print("[bold green]chain intact[/]")
        return
    broken = report.first_break
    assert broken is not None
    err_console.print(f"[bold red]chain broken[/] at {broken}", highlight=False, soft_wrap=True)


@evidence_app.command("verify")
@handle_errors
def verify(
    ctx: typer.Context,
    ledger: Path | None = LEDGER_OPTION,
    export_dir: Path | None = typer.Option(
        None, "--export", help="Verify an export folder (Parquet or CSV) instead of the ledger."
    ),
    expect_head: str | None = typer.Option(
        None,
        "--expect-head",
        metavar="SEQ:HASH",
        help="A chain head published earlier (e.g. in an audit pack) that must still be there.",
    ),
) -> None:
    """Recompute the hash chain over every run, result and finding. Exits 0 when the chain is
    intact, 1 when a record was changed, deleted or moved (the first one is named)."""
    anchor = _parse_head(expect_head) if expect_head else None
    if export_dir is not None:
        if anchor is not None:
            raise LedgerError("--expect-head applies to the ledger, not to --export")
        source = export_dir
        report = verify_export(export_dir)
    else:
        source = _ledger_path(ctx, ledger)
        try:
            with Ledger(source, read_only=True, lock_timeout=5.0) as opened:
                report = opened.verify(expect_head=anchor)
        except duckdb.Error as exc:  # opened, then a page could not be read
            raise LedgerError(
                f"the ledger file is damaged (truncated or overwritten): {first_line(exc)}",
                file=source,
                hint="restore it from a backup and verify again",
            ) from None
    _print_report(report, source)
    if not report.ok:
        raise typer.Exit(int(ExitCode.FAILED))


@evidence_app.command("export")
@handle_errors
def export(
    ctx: typer.Context,
    ledger: Path | None = LEDGER_OPTION,
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Folder to write the files to (default: export/ beside the ledger).",
    ),
    format: str = typer.Option(
        "parquet", "--format", "-f", help=f"File format: {' or '.join(FORMATS)}."
    ),
) -> None:
    """Write the ledger's tables (runs, results, findings, chain_head, meta) to files, with a
    manifest of their SHA-256 hashes and the chain head."""
    if format not in FORMATS:
        raise LedgerError(f"unknown format {format!r}", field="--format", hint=" or ".join(FORMATS))
    source = _ledger_path(ctx, ledger)
    out = out if out is not None else source.parent / "export"
    with Ledger(source, read_only=True, lock_timeout=5.0) as opened:
        paths = opened.export(out, format)  # type: ignore[arg-type]
        head = opened.chain_head()
    table = Table(title=f"exported to {out}")
    table.add_column("table")
    table.add_column("file")
    for name, path in paths.items():
        table.add_row(name, str(path))
    console.print(table)
    console.print(f"chain head {head}", highlight=False, soft_wrap=True)

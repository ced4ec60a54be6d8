"""`privacymesh evidence ...`: verify the ledger's hash chain (and against the anchors), export
its tables, make the signing key, anchor the current heads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, handle_errors, workspace_from
from privacymesh.errors import WorkspaceError, first_line

# the ledger package loads DuckDB, Arrow and Polars: each command imports it when it runs, so
# that `privacymesh evidence --help` stays quick
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from privacymesh.ledger import Ledger, VerifyReport
    from privacymesh.ledger.seal import AnchorCheck, EvidenceSettings
    from privacymesh.workspace import Workspace

evidence_app = typer.Typer(
    help="Verify, export, sign, anchor, compact and recover the evidence ledger (the hash-chained"
    " record of every check run).",
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
    from privacymesh.ledger import LedgerError

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
    anchors: bool = typer.Option(
        False,
        "--anchors",
        help="Also check the ledger and the audit log against every head the anchors hold.",
    ),
    anchor: list[str] | None = typer.Option(
        None,
        "--anchor",
        metavar="file:PATH|git:PATH",
        help="Read these anchors instead of the configured ones (repeatable; implies --anchors).",
    ),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The public key to check signatures with (default: the "
        "workspace's, beside its signing key).",
    ),
) -> None:
    """Recompute the hash chain over every run, result and finding. Exits 0 when the chain is
    intact, 1 when a record was changed, deleted or moved (the first one is named). With
    --anchors, 1 also when an anchored head is gone from the ledger or the audit log, a
    signature does not verify, or ledger records follow the last anchored head."""
    import duckdb

    from privacymesh.ledger import LedgerError, read_snapshot, verify_export

    parsed = _parse_head(expect_head) if expect_head else None
    if export_dir is not None:
        if parsed is not None or anchors or anchor:
            raise LedgerError("--expect-head and --anchors apply to the ledger, not to --export")
        report = verify_export(export_dir)
        _print_report(report, export_dir)
        if not report.ok:
            raise typer.Exit(int(ExitCode.FAILED))
        return
    if anchors or anchor:
        ok = _verify_anchored(ctx, ledger, anchor or [], public_key, parsed)
        if not ok:
            raise typer.Exit(int(ExitCode.FAILED))
        return
    source = _ledger_path(ctx, ledger)
    try:
        # verify a private copy: the live file is held only while it is copied
        with read_snapshot(source, lock_timeout=30.0) as opened:
            report = opened.verify(expect_head=parsed)
    except duckdb.Error as exc:  # opened, then a page could not be read
        raise LedgerError(
            f"the ledger file is damaged (truncated or overwritten): {first_line(exc)}",
            file=source,
            hint="restore it from a backup and verify again",
        ) from None
    _print_report(report, source)
    if not report.ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _workspace_or_none(ctx: typer.Context) -> Workspace | None:
    try:
        return workspace_from(ctx)
    except WorkspaceError:  # a ledger given by path needs no workspace
        return None


def _audit_path(ws: Workspace) -> Path:
    from privacymesh.ledger.seal import AUDIT_LOG_FILE
    from privacymesh.platform.policy import load_policy

    return load_policy(ws).audit_log or ws.evidence / AUDIT_LOG_FILE


def _audit_state(path: Path) -> tuple[VerifyReport | None, dict[int, str] | None]:
    """The audit log's verification and seq -> hash, or (None, None) when there is no log."""
    from privacymesh.platform.audit import AuditLog

    if not path.is_file():
        return None, None
    log = AuditLog(path)
    frame = log.frame().select("seq", "hash")
    return log.verify(), dict(zip(frame["seq"].to_list(), frame["hash"].to_list(), strict=True))


def _signature_records(
    opened: Ledger, settings: EvidenceSettings | None, pk_path: Path | None
) -> tuple[Ed25519PublicKey | None, list[str], int, int]:
    """The public key to check with, and the ledger's signed-head records checked with it:
    problems, how many carry no signature, how many there are."""
    from privacymesh.ledger.signing import SignedStatement, fingerprint, load_public_key

    rows = opened.sql("SELECT seq, statement, signature FROM head_signatures ORDER BY seq")
    key = load_public_key(pk_path) if pk_path else (settings.public_key() if settings else None)
    problems, unsigned = [], 0
    for seq, statement, signature in rows.iter_rows():
        signed = SignedStatement(json.loads(statement), signature)
        if signature is None:
            unsigned += 1
        elif key is not None and not signed.valid_for(key):
            problems.append(
                f"ledger: the signed head record at seq {seq} does not verify with "
                f"{fingerprint(key)}"
            )
    return key, problems, unsigned, rows.height


def _verify_anchored(
    ctx: typer.Context,
    ledger: Path | None,
    specs: list[str],
    pk_path: Path | None,
    expect: tuple[int, str] | None,
) -> bool:
    from privacymesh.ledger import ChainHead, Ledger, LedgerError
    from privacymesh.ledger.anchors import RECEIPTS_FILE, Anchor, parse_anchor
    from privacymesh.ledger.chain import GENESIS
    from privacymesh.ledger.seal import (
        AUDIT_LOG_FILE,
        EvidenceSettings,
        check_against_anchors,
        read_anchors,
    )
    from privacymesh.ledger.signing import load_public_key

    ws = _workspace_or_none(ctx)
    settings = EvidenceSettings.for_workspace(ws) if ws is not None else None
    source = ledger if ledger is not None else (ws.ledger_path if ws else None)
    if source is None:
        raise LedgerError("no workspace here: pass --ledger", field="--ledger")
    receipts = (ws.evidence if ws else source.parent) / RECEIPTS_FILE
    targets: tuple[Anchor, ...] = (
        tuple(parse_anchor(s, Path.cwd(), receipts, "--anchor") for s in specs)
        if specs
        else (settings.anchors if settings else ())
    )
    if not any(t.readable for t in targets):
        raise LedgerError(
            "no anchors to read",
            field="--anchors",
            hint="configure [evidence] anchors in privacymesh.toml (a file or git anchor), "
            "or pass --anchor file:PATH",
        )
    entries, names = read_anchors(targets)
    problems: list[str] = []
    if source.is_file():
        with Ledger(source, read_only=True, lock_timeout=5.0) as opened:
            report = opened.verify(expect_head=expect)
            seqs = [
                int(p["seq"])
                for e in entries
                for p in (e.get("statement", {}).get("ledger"), e.get("tip"))
                if isinstance(p, dict) and isinstance(p.get("seq"), int)
            ]
            hashes = opened.hashes_at(seqs)
            key, sig_problems, unsigned, records = _signature_records(opened, settings, pk_path)
        _print_report(report, source)
        head = report.head
        problems += sig_problems
    else:
        console.print(f"evidence ledger {source}: [bold red]missing[/]", highlight=False)
        report, hashes, head = None, {}, ChainHead(0, GENESIS)
        key = load_public_key(pk_path) if pk_path else (settings.public_key() if settings else None)
        unsigned = records = 0
    audit_path = _audit_path(ws) if ws is not None else source.parent / AUDIT_LOG_FILE
    audit_report, audit_hashes = _audit_state(audit_path)
    check = check_against_anchors(
        entries,
        key,
        head,
        hashes,
        audit_report.head if audit_report else None,
        audit_hashes,
    )
    check.problems[:0] = problems
    if audit_report is not None and not audit_report.ok:
        check.problems.append(f"audit log: chain broken at {audit_report.first_break}")
    if key is None:
        check.warnings.append("no public key: heads are unsigned or cannot be checked")
    elif unsigned:
        check.warnings.append(f"{unsigned} of {records} signed-head records carry no signature")
    _print_anchor_check(check, names, audit_path, audit_report)
    return check.ok and (report is not None and report.ok)


def _print_anchor_check(
    check: AnchorCheck, names: list[str], audit_path: Path, audit: VerifyReport | None
) -> None:
    console.print(f"anchors read: {', '.join(names)}", highlight=False, soft_wrap=True)
    console.print(
        f"anchored heads: {check.entries} ({check.signed} with a valid signature)",
        highlight=False,
    )
    where = f"audit log {audit_path}"
    console.print(
        f"{where}: {audit.records_total:,} records, head {audit.head}"
        if audit
        else f"{where}: none",
        highlight=False,
        soft_wrap=True,
    )
    for warning in check.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    for problem in check.problems:
        err_console.print(f"[red]x[/] {escape(problem)}", highlight=False, soft_wrap=True)
    if check.ok:
        console.print("[bold green]anchored heads hold[/]")
    else:
        err_console.print(f"[bold red]not as anchored[/] {len(check.problems)} problem(s)")


@evidence_app.command("keygen")
@handle_errors
def keygen(
    ctx: typer.Context,
    key: Path | None = typer.Option(
        None,
        "--key",
        help="Where to write the private key (default: [evidence] signing_key, "
        "else evidence/signing.key).",
    ),
) -> None:
    """Make the workspace's Ed25519 signing key (0600) and its public key beside it; print the
    public key's fingerprint. An existing key is never replaced."""
    from privacymesh.ledger.seal import EvidenceSettings
    from privacymesh.ledger.signing import fingerprint, generate_key, public_path

    path = key if key is not None else EvidenceSettings.for_workspace(workspace_from(ctx)).key_path
    public = generate_key(path)
    console.print(f"private key {path} (mode 0600: keep it off shared disks)", highlight=False)
    console.print(f"public key {public_path(path)}", highlight=False)
    console.print(f"fingerprint {fingerprint(public)}", highlight=False)


@evidence_app.command("anchor")
@handle_errors
def anchor_now(ctx: typer.Context) -> None:
    """Sign the ledger's and the audit log's current heads and push them to every anchor
    (the first anchoring of an existing ledger, or after an anchor was unreachable)."""
    from privacymesh.ledger import Ledger, LedgerError
    from privacymesh.ledger.records import utc_now
    from privacymesh.ledger.seal import Sealer, read_audit_head

    ws = workspace_from(ctx)
    audit_path = _audit_path(ws)
    sealer = Sealer.for_workspace(ws, audit_path=audit_path)
    if sealer is None or not sealer.settings.anchors:
        raise LedgerError(
            "no anchors configured", field="evidence.anchors", hint="see docs/security.md"
        )
    head = None
    if ws.ledger_path.is_file():
        with Ledger(ws.ledger_path, read_only=True, lock_timeout=5.0) as opened:
            report = opened.verify()
            if not report.ok:
                raise LedgerError(
                    f"not anchoring a broken chain: {report.first_break}", file=ws.ledger_path
                )
            head = report.head
    signed = sealer.statement(head, read_audit_head(audit_path), None, utc_now())
    sealer.queue(signed, None)
    outcome = sealer.publish()[0]
    for name in outcome.pushed:
        console.print(f"anchored at {name}", highlight=False, soft_wrap=True)
    for name, why in outcome.failed.items():
        err_console.print(f"[red]x[/] {escape(name)}: {escape(why)}", highlight=False)
    state = "signed" if signed.signature else "unsigned"
    console.print(
        f"{state} head: ledger {head}, audit {signed.statement['audit']}", highlight=False
    )
    if outcome.failed:
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
    format: str = typer.Option("parquet", "--format", "-f", help="File format: parquet or csv."),
) -> None:
    """Write the ledger's tables (runs, results, findings, chain_head, meta) to files, with a
    manifest of their SHA-256 hashes and the chain head."""
    from privacymesh.ledger import Ledger, LedgerError
    from privacymesh.ledger.export import FORMATS

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


@evidence_app.command("migrate")
@handle_errors
def migrate(ctx: typer.Context, ledger: Path | None = LEDGER_OPTION) -> None:
    """Upgrade a ledger written by an older privacymesh to this version's schema, in place:
    the chain is verified before and after, and no record is rewritten."""
    from privacymesh.ledger import lock_timeout_for
    from privacymesh.ledger.migrate import migrate_ledger

    source = _ledger_path(ctx, ledger)
    timeout = lock_timeout_for(workspace_from(ctx)) if ledger is None else 120.0
    done = migrate_ledger(source, timeout)
    if done.changed:
        console.print(
            f"ledger {source}: schema version {done.from_version} -> {done.to_version}, "
            f"chain intact ({done.report.records_checked:,} records)",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print(
            f"ledger {source}: already at schema version {done.to_version}",
            highlight=False,
            soft_wrap=True,
        )


@evidence_app.command("recover")
@handle_errors
def recover(ctx: typer.Context, ledger: Path | None = LEDGER_OPTION) -> None:
    """Record the runs that waited in the spool (evidence/pending/) because the ledger was busy.
    Exits 0 when none is left, 2 when a spooled file could not be read."""
    from privacymesh.ledger import Ledger, commit_pending, lock_timeout_for
    from privacymesh.ledger.pending import pending_runs, print_wait_notice

    source = _ledger_path(ctx, ledger)
    if not pending_runs(source):
        console.print("no spooled runs")
        return
    timeout = lock_timeout_for(workspace_from(ctx)) if ledger is None else 120.0
    with Ledger(source, lock_timeout=timeout, on_wait=print_wait_notice) as opened:
        report = commit_pending(opened)
    for run_id in report.committed:
        console.print(f"recorded run {run_id}", highlight=False)
    for run_id in report.already_recorded:
        console.print(f"run {run_id} was already recorded; its spool file is removed")
    for path, why in report.unreadable:
        err_console.print(f"[red]unreadable[/] {path}: {why}", highlight=False, soft_wrap=True)
    console.print(f"{len(report.committed)} spooled run(s) recorded")
    if report.unreadable:
        raise typer.Exit(int(ExitCode.ERROR))


@evidence_app.command("compact")
@handle_errors
def compact(ctx: typer.Context, ledger: Path | None = LEDGER_OPTION) -> None:
    """Fold the ledger's write-ahead log into a fresh, verified copy of the file and swap it in
    (what closing a writer does once the log has grown). Exits 2, leaving the ledger as it was,
    when the copy does not verify or another writer holds the ledger."""
    from privacymesh.ledger import Ledger, LedgerError, lock_timeout_for
    from privacymesh.ledger.durable import wal_path
    from privacymesh.ledger.pending import print_wait_notice

    source = _ledger_path(ctx, ledger)
    if not source.is_file():
        raise LedgerError(
            "no ledger here", file=source, hint="`privacymesh run` creates it; or pass --ledger"
        )
    before = _sizes(source, wal_path(source))
    timeout = lock_timeout_for(workspace_from(ctx)) if ledger is None else 120.0
    with Ledger(source, lock_timeout=timeout, on_wait=print_wait_notice) as opened:
        report = opened.compact()
    after = _sizes(source, wal_path(source))
    console.print(
        f"ledger {source}: {before[0]:,} + {before[1]:,} bytes of log -> {after[0]:,} bytes"
        f" (log {after[1]:,}); {report.records_checked:,} records verified, head {report.head}",
        highlight=False,
        soft_wrap=True,
    )


def _sizes(path: Path, log_path: Path) -> tuple[int, int]:
    """Bytes of the ledger file and of its write-ahead log (0 when there is none)."""
    return (
        path.stat().st_size if path.exists() else 0,
        log_path.stat().st_size if log_path.exists() else 0,
    )

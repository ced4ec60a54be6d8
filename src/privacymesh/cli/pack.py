"""`privacymesh pack ...`: audit packs built from the evidence ledger and the catalogs, verified
and signed; the options the leadership report shares."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import console, err_console, fail, handle_errors, workspace_from

# the pack builder loads the ledger, the read model and Jinja2 when a command runs
if TYPE_CHECKING:
    from privacymesh.packs import PackOptions

pack_app = typer.Typer(
    help="Build a regulator-ready audit pack (HTML, PDF, OSCAL JSON, data, manifest) from the "
    "evidence ledger, or verify one.",
    invoke_without_command=True,
    no_args_is_help=False,
)
PERIOD = typer.Option(
    None, "--period", "-p", help="A quarter (2026-Q3), month (2026-09) or year; default: the "
    "quarter of the newest run."
)  # fmt: skip
FROM = typer.Option(None, "--from", help="First day (YYYY-MM-DD), with --to.")
TO = typer.Option(None, "--to", help="Last day (YYYY-MM-DD), included.")
DOMAIN = typer.Option(None, "--domain", "-d", help="Only these domains (repeatable).")
OUT = typer.Option(None, "--out", "-o", help="The folder to write (default: under evidence/).")
NO_PDF = typer.Option(False, "--no-pdf", help="Skip the PDF.")
LEDGER = typer.Option(None, "--ledger", "-l", help="The ledger (default: the workspace's).")


def pack_options(
    period: str | None,
    first: str | None,
    last: str | None,
    domain: list[str] | None,
    out: Path | None,
    no_pdf: bool,
    ledger: Path | None,
) -> PackOptions:
    from privacymesh.packs import PackOptions

    return PackOptions(
        period=period,
        first=first,
        last=last,
        domains=tuple(domain or ()),
        out=out,
        pdf=not no_pdf,
        ledger=ledger,
    )


def pdf_note(written: bool, reason: str | None) -> None:
    if not written:
        # escaped: Rich would read `privacymesh[pdf]` in the hint as markup and drop it
        err_console.print(
            f"[yellow]no PDF:[/] {escape(reason or '')}", highlight=False, soft_wrap=True
        )


@pack_app.callback()
@handle_errors
def build(
    ctx: typer.Context,
    period: str | None = PERIOD,
    first: str | None = FROM,
    last: str | None = TO,
    domain: list[str] | None = DOMAIN,
    out: Path | None = OUT,
    no_pdf: bool = NO_PDF,
    ledger: Path | None = LEDGER,
) -> None:
    """Build the audit pack of a period under evidence/packs/<name>/ (or --out). The pack is
    scanned for raw personal data before it is kept: exit 2 and no pack when any is found."""
    if ctx.invoked_subcommand is not None:
        return
    from privacymesh.packs import build_pack

    ws = workspace_from(ctx)
    with err_console.status("building the pack") as status:
        result = build_pack(
            ws,
            pack_options(period, first, last, domain, out, no_pdf, ledger),
            step=lambda name: status.update(f"building the pack: {name} done"),
        )
    table = Table(title=f"audit pack {result.pack_id}", show_header=True)
    table.add_column("file")
    table.add_column("bytes", justify="right")
    for path in result.files:
        table.add_row(str(path.relative_to(result.root)), f"{path.stat().st_size:,}")
    console.print(table)
    pdf_note(result.pdf_written, result.pdf.reason)
    console.print(
        f"period {result.period.describe()}; personal-data scan: "
        f"{result.scan.summary()['result']} ({len(result.scan.files)} files)",
        highlight=False,
    )
    console.print(f"[bold green]pack written[/] {result.root}", highlight=False, soft_wrap=True)


@pack_app.command("verify")
@handle_errors
def verify(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="The pack folder (holding manifest.json)."),
    ledger: Path | None = typer.Option(
        None,
        "--ledger",
        "-l",
        help="Also prove the ledger still holds the pack's chain head, and rebuild the pack "
        "from it (in the pack's workspace) to compare every file.",
    ),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        help="The public key the pack must be signed with (default: the workspace's).",
    ),
) -> None:
    """Re-check a pack: every file's SHA-256 against manifest.json, no file added or missing,
    pack.zip holding the same bytes, the manifest's signature. Exit 0 when intact, 1 when
    anything differs."""
    from privacymesh.errors import WorkspaceError
    from privacymesh.ledger.seal import EvidenceSettings
    from privacymesh.packs import verify_pack

    if not directory.is_dir():
        raise fail(f"not an audit pack: no folder {directory}")
    if not any((directory / name).exists() for name in ("manifest.json", "pack.zip", "index.html")):
        # a pack whose manifest was removed still holds its files: that is reported as altered
        raise fail(f"not an audit pack: no manifest.json, pack.zip or index.html in {directory}")
    try:
        ws = workspace_from(ctx)
    except WorkspaceError:
        ws = None  # an examiner's copy: hashes and signature only
    if public_key is None and ws is not None:
        workspace_key = EvidenceSettings.for_workspace(ws).public_key_path
        public_key = workspace_key if workspace_key.is_file() else None
    report = verify_pack(directory, ledger, workspace=ws, trusted_key=public_key)
    console.print(f"files checked: {report.files_checked}", highlight=False)
    if report.ledger_checked:
        console.print("ledger: chain intact and holds the pack's chain head", highlight=False)
    if report.recomputed and report.ok:
        console.print("recomputed from the ledger: every file the same", highlight=False)
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    if report.ok:
        console.print(f"[bold green]pack intact[/] {directory}", highlight=False, soft_wrap=True)
        return
    for problem in report.problems:
        err_console.print(f"[red]x[/] {problem}", highlight=False, soft_wrap=True)
    err_console.print(f"[bold red]pack altered[/] {len(report.problems)} problem(s)")
    raise typer.Exit(int(ExitCode.FAILED))


@pack_app.command("sign")
@handle_errors
def sign(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="The pack folder (holding manifest.json)."),
    role: str = typer.Option(..., "--as", help="reviewer or approver"),
    ledger: Path | None = LEDGER,
) -> None:
    """Sign off a built pack as reviewer or approver. Who signs is the verified caller (OS user,
    or the principal of PRIVACYMESH_TOKEN), who must be listed under that role in
    [accountability]; the sign-off is recorded in the ledger and written beside the pack."""
    from privacymesh.packs.signoff import sign_pack
    from privacymesh.platform.principals import principal_of

    ws = workspace_from(ctx)
    if not directory.is_dir():
        raise fail(f"not an audit pack: no folder {directory}")
    who = principal_of(ws)
    done = sign_pack(ws, directory, who.name, who.via, role, ledger_path=ledger)
    how = "signed with the evidence key" if done.signed else "unsigned: no evidence key"
    console.print(
        f"[bold green]signed off[/] as {role} by {escape(done.party)} ({escape(who.name)}); "
        f"ledger record {done.ledger_seq}:{done.ledger_hash[:16]}..., {how}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"sign-off: {done.path}", highlight=False, soft_wrap=True)
    console.print(f"cover: {done.path.parent / 'cover.html'}", highlight=False, soft_wrap=True)

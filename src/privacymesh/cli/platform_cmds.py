"""The platform primitives on the command line: `consent`, `query`, `policy`, `retention`,
`dsar` and `audit`. Each command parses its arguments and calls `privacymesh.platform`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from privacymesh.cli.exit_codes import ExitCode
from privacymesh.cli.output import (
    JSON_OPTION_HELP,
    console,
    err_console,
    fail,
    handle_errors,
    print_rows,
    workspace_from,
)
from privacymesh.errors import PrivacyMeshError


def _no_actor(value: str | None) -> None:
    if value is not None:
        raise fail(
            "--actor is no longer accepted: the audit log records the verified principal (your "
            "operating-system user, or the principal of the API token in PRIVACYMESH_TOKEN)"
        )


# kept only to explain its removal: who acts is established, never typed
ACTOR = typer.Option(None, "--actor", hidden=True, callback=_no_actor, expose_value=False)
AT_HELP = "ISO time, e.g. 2026-05-01T12:00:00 (UTC)."


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise PrivacyMeshError(
            f"{name} {value!r} is not an ISO time", field=name, hint=AT_HELP
        ) from None


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


# ---- consent ---------------------------------------------------------------------------------

consent_app = typer.Typer(
    help="Check, grant and withdraw consent; list propagation notices.", no_args_is_help=True
)


def _who(ctx: typer.Context):  # type: ignore[no-untyped-def]
    """The workspace and its verified principal; a refused API token is audited first."""
    from privacymesh.platform import AccessDenied, audit
    from privacymesh.platform.principals import TOKEN_ENV, os_user, principal_of

    ws = workspace_from(ctx)
    try:
        return ws, principal_of(ws)
    except AccessDenied:
        with audit.open_log(ws) as log:
            log.record(
                os_user(), "principal", decision="deny", detail={"reason": f"unknown {TOKEN_ENV}"}
            )
        raise


def _ledger(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from privacymesh.platform import ConsentLedger

    ws, who = _who(ctx)
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
    status = ledger.check(subject, purpose, _time(at, "--at"))
    verdict = "[bold green]permitted[/]" if status.permitted else "[bold red]not permitted[/]"
    console.print(f"{status.user_id} / {purpose}: {verdict} at {status.at:%Y-%m-%d %H:%M:%S} UTC")
    if status.event_id:
        console.print(
            f"latest event {status.event_id}: {status.action} at {_fmt(status.event_time)} "
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
        subject, purpose, source=source, notice_version=notice_version, at=_time(at, "--at")
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
    n = ledger.acknowledge(event_id, product, _time(at, "--at"))
    console.print(f"{n} notice(s) of {event_id} applied by {product}")


# ---- governed query and policy views ---------------------------------------------------------


@handle_errors
def query_command(
    ctx: typer.Context,
    sql: str = typer.Argument(..., help='One SELECT over products named "<domain>"."<product>".'),
    role: str = typer.Option(..., "--role", "-r", help="The role the query runs as."),
    purpose: str = typer.Option(..., "--purpose", "-p", help="The purpose of the processing."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the rows to a .parquet or .csv file."
    ),
    limit: int = typer.Option(20, "--limit", help="Rows to print (without --out)."),
    _actor: str | None = ACTOR,
) -> None:
    """Run a governed query: the role's rights checked, subjects without consent for the
    purpose dropped, fields masked by the policy, the access recorded in the audit log."""
    from privacymesh.platform import GovernedSession

    ws, who = _who(ctx)
    with GovernedSession(ws, principal=who, materialize=False) as gov:
        result = gov.sql(sql, role, purpose)
    frame = result.frame
    for d in result.decisions:
        masked = ", ".join(f"{k} ({v})" for k, v in d.masked_fields.items()) or "none"
        consent = (
            f"consent for {', '.join(d.consent_purposes)}" if d.consent_purposes else d.consent_note
        )
        err_console.print(f"{d.product.id}: masked {masked}; {consent}", highlight=False)
    if out is not None:
        if out.suffix == ".csv":
            frame.write_csv(out)
        else:
            frame.write_parquet(out)
        console.print(f"{frame.height} rows written to {out}")
        return
    table = Table(title=f"{frame.height} rows", show_lines=False)
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in frame.head(limit).iter_rows():
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)


policy_app = typer.Typer(
    help="Show the access and masking policy; write it as DuckDB views.", no_args_is_help=True
)


@policy_app.command("views")
@handle_errors
def policy_views(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", "-r", help="The role whose views to write."),
    purpose: str | None = typer.Option(
        None,
        "--purpose",
        "-p",
        help="Filter rows by consent for this purpose (default: consent for every "
        "consent-governed purpose a product declares).",
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="DuckDB file (default evidence/views/ROLE[.PURPOSE].duckdb)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Write the role's governed views (masked fields, consent-filtered rows) to a DuckDB file,
    and the SQL beside it, so BI tools get the policy without the Python layer."""
    from privacymesh.platform import write_policy_views

    ws, who = _who(ctx)
    result = write_policy_views(ws, role, purpose=purpose, out=out, principal=who)
    table = Table(title=f"views for {role}" + (f" / {purpose}" if purpose else ""))
    table.add_column("view")
    table.add_column("masked fields", overflow="fold")
    for pid in result.products:
        table.add_row(pid, ", ".join(f"{k} ({v})" for k, v in result.masked[pid].items()) or "-")
    console.print(table)
    for pid, why in result.skipped.items():
        err_console.print(f"[yellow]skipped[/] {pid}: {why}", highlight=False)
    console.print(f"written {result.database} and {result.script}")
    console.print(
        f"hashed columns need the session key: run {result.key_script} (mode 0600, keep it "
        "private) in the BI session first",
        highlight=False,
    )


@policy_app.command("show")
@handle_errors
def policy_show(
    ctx: typer.Context,
    product: str = typer.Argument(..., help="Product id."),
    role: str = typer.Option(..., "--role", "-r", help="The role."),
    purpose: str | None = typer.Option(None, "--purpose", "-p", help="The purpose."),
) -> None:
    """How each field of a product reaches a role: clear or masked, and which policy said so."""
    from privacymesh.platform import ConsentLedger, decide, load_policy
    from privacymesh.platform.catalog_cache import catalog_for

    ws = workspace_from(ctx)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    consent = ConsentLedger.open(ws, catalog=catalog, policy=policy)
    d = decide(policy, catalog, product, role, purpose, consent.consent_purposes)
    table = Table(
        title=f"{product} as {role} (clearance {d.clearance}, {d.role_source}); "
        f"policy {d.policy_version}"
    )
    for col in ("field", "classification", "category", "rule", "decided by"):
        table.add_column(col)
    for f in d.fields:
        table.add_row(f.name, _fmt(f.classification), _fmt(f.category), str(f.rule), f.source)
    console.print(table)
    rows = f"consent for {', '.join(d.consent_purposes)}" if d.consent_purposes else d.consent_note
    console.print(f"rows: {rows}")


# ---- retention -------------------------------------------------------------------------------

retention_app = typer.Typer(
    help="Plan and apply the declared retention policies.", no_args_is_help=True
)
PRODUCTS = typer.Option(None, "--product", help="Only these products (repeatable).")
AS_OF = typer.Option(
    None,
    "--as-of",
    help="Reference time (default: the workspace's [run] as_of, else now). " + AT_HELP,
)


def _plan_table(plan) -> Table:  # type: ignore[no-untyped-def]
    table = Table(
        title=f"retention as of {plan.as_of:%Y-%m-%d %H:%M} (policy {plan.policy_version})"
    )
    for col in (
        "product",
        "retention",
        "element",
        "rows",
        "due",
        "subjects",
        "oldest due",
        "legal basis",
        "action",
    ):
        table.add_column(col, justify="right" if col in ("rows", "due", "subjects") else "left")
    for i in plan.items:
        action = i.action if not i.blocked or not i.due else f"blocked: {i.blocked}"
        table.add_row(
            i.product_id,
            f"{i.retention_days} d",
            i.element,
            f"{i.rows:,}",
            f"{i.due:,}",
            _fmt(i.subjects),
            _fmt(i.oldest),
            _fmt(i.legal_basis),
            action,
        )
    return table


@retention_app.command("plan")
@handle_errors
def retention_plan(
    ctx: typer.Context, product: list[str] | None = PRODUCTS, as_of: str | None = AS_OF
) -> None:
    """Per product: how many rows the declared retention says must go, the oldest, the basis."""
    from privacymesh.platform import plan_retention

    plan = plan_retention(workspace_from(ctx), products=product, as_of=_time(as_of, "--as-of"))
    console.print(_plan_table(plan))
    console.print(f"{plan.due:,} rows due in {sum(1 for i in plan.items if i.due)} products")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _applied_table(title: str, applied) -> Table:  # type: ignore[no-untyped-def]
    table = Table(title=title)
    for col in ("product", "planned", "deleted", "left due", "status"):
        table.add_column(col)
    for a in applied:
        if a.planned or a.deleted or a.status != "pass":
            table.add_row(
                a.product_id,
                f"{a.planned:,}",
                f"{a.deleted:,}",
                f"{a.left:,}",
                a.status + (f": {a.reason}" if a.reason else ""),
            )
    return table


@retention_app.command("apply")
@handle_errors
def retention_apply(
    ctx: typer.Context,
    product: list[str] | None = PRODUCTS,
    as_of: str | None = AS_OF,
    dry_run: bool = typer.Option(
        True, "--dry-run/--no-dry-run", help="Only show the plan (the default)."
    ),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Delete without asking (needed when not on a terminal)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Delete the rows due from every writable source (Parquet rewritten atomically, DuckDB
    tables), verify, and record it in the ledger: the intent before, the completion after.
    Dry run unless --no-dry-run; asks before deleting unless --yes. An apply interrupted
    earlier is finished (or found done) first."""
    from privacymesh.platform import apply_retention

    if not dry_run and not yes and not _stdin_is_terminal():
        raise PrivacyMeshError(
            "refusing to delete without confirmation: not on a terminal",
            field="--yes",
            hint="pass --yes to delete, or leave out --no-dry-run to see the plan",
        )

    def confirm(plan) -> bool:  # type: ignore[no-untyped-def]
        console.print(_plan_table(plan))
        products = sum(1 for i in plan.items if i.action == "delete")
        return yes or typer.confirm(f"Delete {plan.due:,} rows from {products} product(s)?")

    ws, who = _who(ctx)
    outcome = apply_retention(
        ws,
        products=product,
        as_of=_time(as_of, "--as-of"),
        dry_run=dry_run,
        actor=who.name,
        confirm=None if dry_run else confirm,
    )
    for resumed in outcome.resumed:
        console.print(
            _applied_table(
                f"finished an interrupted apply (intent {resumed.intent_id}, "
                f"ledger run {resumed.run_id})",
                resumed.applied,
            )
        )
        for a in resumed.applied:
            console.print(f"{a.product_id}: {a.outcome.replace('_', ' ')}, {a.deleted:,} rows")
    if outcome.dry_run:
        console.print(_plan_table(outcome.plan))
        for intent in outcome.open_intents:
            err_console.print(
                f"an earlier apply was interrupted (intent {intent}): the next apply finishes it",
                highlight=False,
            )
        if outcome.cancelled:
            console.print("cancelled: nothing deleted")
            raise typer.Exit(int(ExitCode.FAILED))
        console.print(
            f"dry run: {outcome.plan.due:,} rows would be deleted; pass --no-dry-run to delete them"
        )
        return
    if not any(i.action == "delete" for i in outcome.plan.items):
        console.print(_plan_table(outcome.plan))  # confirm showed it otherwise
    console.print(_applied_table(f"applied (ledger run {outcome.run_id})", outcome.applied))
    if outcome.intent_id:
        console.print(f"deletion intent recorded first as ledger run {outcome.intent_id}")
    spooled = [outcome.spooled, *(r.spooled for r in outcome.resumed)]
    for path in filter(None, spooled):
        err_console.print(
            f"the ledger was busy: the completion waits in {path}; the next run or "
            "`privacymesh evidence recover` records it",
            highlight=False,
            soft_wrap=True,
        )
    finished = sum(a.deleted for r in outcome.resumed for a in r.applied)
    extra = f" (and {finished:,} finishing an interrupted apply)" if outcome.resumed else ""
    console.print(f"{outcome.deleted:,} rows deleted{extra}")
    if any(spooled):
        raise typer.Exit(int(ExitCode.ERROR))  # deleted, but its record is not in the ledger yet
    applied = [*outcome.applied, *(a for r in outcome.resumed for a in r.applied)]
    if any(a.status in ("fail", "error") for a in applied):
        raise typer.Exit(int(ExitCode.FAILED))


# ---- DSAR ------------------------------------------------------------------------------------

dsar_app = typer.Typer(
    help="Open, export, erase and track data subject requests.", no_args_is_help=True
)


@dsar_app.command("open")
@handle_errors
def dsar_open(
    ctx: typer.Context,
    subject: str = typer.Option(..., "--subject", "-s", help="Any identifier of the subject."),
    type: str = typer.Option(..., "--type", "-t", help="access, erasure or rectification."),
    regulation: str | None = typer.Option(
        None, "--regulation", help="GDPR, CCPA, LGPD, DPDP ... (default: by the subject's country)."
    ),
    extended: bool = typer.Option(False, "--extended", help="The deadline is extended."),
    received_at: str | None = typer.Option(
        None, "--received-at", help="When it was received (default now). " + AT_HELP
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Record a request, plan one task per product holding the subject (lineage included)."""
    from privacymesh.platform import open_request

    ws, who = _who(ctx)
    req = open_request(
        ws,
        subject,
        type,
        regulation,
        extended=extended,
        received_at=_time(received_at, "--received-at"),
        actor=who.name,
    )
    console.print(f"{req.request_id}: {req.type} ({req.regulation}) due {_fmt(req.deadline)} UTC")
    table = Table(title=f"{len(req.tasks)} tasks")
    table.add_column("product")
    table.add_column("status")
    for t in req.tasks:
        table.add_row(f"{t['domain']}.{t['product']}", t["status"])
    console.print(table)


@dsar_app.command("export")
@handle_errors
def dsar_export(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., help="The request, e.g. dsar-00401."),
    out: Path = typer.Option(..., "--out", "-o", help="A new folder for the access package."),
    _actor: str | None = ACTOR,
) -> None:
    """Build the subject's access package: JSON per product with its purposes, legal basis,
    recipients and retention (GDPR Art. 15). It holds the subject's own data."""
    from privacymesh.platform import export_request

    ws, who = _who(ctx)
    result = export_request(ws, request_id, out, actor=who.name)
    for pid, n in result.products.items():
        console.print(f"{pid}: {n} rows")
    console.print(f"{len(result.files)} files written to {result.folder}")


@dsar_app.command("erase")
@handle_errors
def dsar_erase(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., help="The erasure request."),
    apply: bool = typer.Option(
        False, "--apply", help="Erase (without it: only show what would go)."
    ),
    _actor: str | None = ACTOR,
) -> None:
    """Erase the subject from every product that can be written, then check every product for
    residue and record the verification in the ledger. Exits 1 when residue is left."""
    from privacymesh.platform import erase_request

    ws, who = _who(ctx)
    outcome = erase_request(ws, request_id, apply=apply, actor=who.name)
    table = Table(
        title=f"{request_id} ({'applied' if apply else 'dry run'}), subject {outcome.subject_ref}"
    )
    for col in ("product", "rows", "cells", "action", "erased", "residue"):
        table.add_column(col)
    for i in outcome.items:
        cells = ", ".join(f"{c}: {n}" for c, n in i.cells.items()) or "-"
        action = i.action + (f" ({i.reason})" if i.reason else "")
        table.add_row(
            i.product_id,
            str(i.key_rows),
            cells,
            action,
            f"{i.rows_erased} rows, {i.cells_erased} cells" if apply else "-",
            _fmt(i.residue_rows),
        )
    console.print(table)
    if not apply:
        console.print("dry run: pass --apply to erase")
        return
    if outcome.verified:
        console.print(f"[bold green]verified[/]: no residue (ledger run {outcome.run_id})")
    else:
        err_console.print(
            f"[bold red]residue left[/]: {outcome.residue} rows (ledger run {outcome.run_id})"
        )
        raise typer.Exit(int(ExitCode.FAILED))


@dsar_app.command("status")
@handle_errors
def dsar_status(
    ctx: typer.Context,
    request_id: str | None = typer.Argument(None, help="One request (with its tasks)."),
    all_: bool = typer.Option(False, "--all", help="Completed requests too."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Deadlines relative to this time (default: the workspace's reference time, its "
        "[run] as_of when pinned, else now: the same time the dsar checks use). " + AT_HELP,
    ),
    limit: int = typer.Option(50, "--limit", help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
) -> None:
    """Requests with their deadlines: days left, overdue, tasks done."""
    from privacymesh.platform import get_request, list_requests
    from privacymesh.platform.consent import utc_naive
    from privacymesh.runner import as_of_from

    ws = workspace_from(ctx)
    given = _time(as_of, "--as-of")
    now = as_of_from(ws, utc_naive(given) if given else None)
    source = (
        "--as-of"
        if given
        else "the workspace's [run] as_of"
        if ws.section("run").get("as_of")
        else "now"
    )
    requests = (
        [get_request(ws, request_id)] if request_id else list_requests(ws, open_only=not all_)
    )
    rows = []
    for r in requests[:limit]:
        left = r.days_left(now)
        done = sum(1 for t in r.tasks if t["status"] == "completed")
        rows.append(
            {
                "request": r.request_id,
                "type": r.type,
                "regulation": r.regulation,
                "received": r.received_at,
                "deadline": r.deadline,
                "status": r.status,
                "overdue": r.overdue(now),
                "days left": round(left, 1)
                if left is not None and r.status != "completed"
                else None,
                "tasks done": f"{done}/{len(r.tasks)}",
                **(
                    {
                        "tasks": [
                            {
                                "product": f"{t['domain']}.{t['product']}",
                                "status": t["status"],
                                "completed": t["completed_at"],
                            }
                            for t in r.tasks
                        ]
                    }
                    if as_json and request_id
                    else {}
                ),
            }
        )
    overdue = sum(r.overdue(now) for r in requests)
    title = (
        f"{len(requests)} requests, {overdue} overdue, as of {now:%Y-%m-%d %H:%M} UTC ({source})"
    )
    columns = ("request", "type", "regulation", "received", "deadline", "status", "overdue",
               "days left", "tasks done")  # fmt: skip
    print_rows(
        title,
        rows,
        columns,
        as_json=as_json,
        styles={"overdue": lambda row: "red" if row["overdue"] else None},
    )
    if request_id and not as_json:
        tasks = [
            {
                "product": f"{t['domain']}.{t['product']}",
                "status": t["status"],
                "completed": t["completed_at"],
            }
            for t in requests[0].tasks
        ]
        print_rows("tasks", tasks, ("product", "status", "completed"))


# ---- audit log -------------------------------------------------------------------------------

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
        since=_time(since, "--since"),
    )
    columns = ("seq", "at", "actor", "action", "product", "purpose", "role", "decision",
               "rows", "subjects", "subject_ref")  # fmt: skip
    title = f"{frame.height} audit records"
    print_rows(title, frame.tail(limit).select(columns).to_dicts(), columns, as_json=as_json)

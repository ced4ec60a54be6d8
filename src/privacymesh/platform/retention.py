"""The retention policy engine: which rows the declared retention says must go, and deleting them.

    plan = plan_retention(workspace)                      # per product: rows due, oldest, basis
    outcome = apply_retention(workspace, dry_run=False)   # delete them, record it, verify

A row is due when its retention element (the date column of the contract's `retention` SLA) is
older than the retention period at the reference time: `element < as_of - INTERVAL n DAY`, the
same test as the `retention.expired_rows` check, with the same reference time (the workspace's
`[run] as_of` when pinned, else now). Rows whose element is empty are never due.

Applying deletes the due rows from every source it can write (Parquet files rewritten
atomically, DuckDB tables in a transaction; see `sources`), all or nothing, then counts again
to verify that none is left, and records one ledger run: a `platform.retention.apply` result
per product with what was planned, deleted and left, the cutoff and the legal basis; plus an
audit record per product. Applying again deletes nothing (and says so in the ledger). Products
that are read-only, or under a legal hold in the policy, are reported and left alone; naming
one explicitly is an error. Dry-run is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from privacymesh.catalog import Catalog, DataProduct, quote_ident
from privacymesh.checks.render import timestamp_literal
from privacymesh.engine import open_engine
from privacymesh.ledger import Ledger, ResultRecord, RunInfo
from privacymesh.ledger.seal import Sealer
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.errors import PolicyError, ReadOnlySourceError
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.sources import RowChange, SourceRewrite, source_info
from privacymesh.runner.run import as_of_from
from privacymesh.workspace import Workspace, load_workspace

CHECK_ID = "platform.retention.apply"
CONTROL_ID = "PM-RET-01"


@dataclass(frozen=True)
class RetentionItem:
    """One product's retention position at the reference time."""

    product_id: str
    element: str
    retention_days: int
    cutoff: datetime
    rows: int
    due: int
    subjects: int | None
    oldest: datetime | None
    legal_basis: str | None
    driver: str | None
    blocked: str | None  # why rows cannot be deleted here (read-only, legal hold)

    @property
    def action(self) -> str:
        if self.due == 0:
            return "none"
        return "blocked" if self.blocked else "delete"

    def predicate(self, as_of: datetime) -> str:
        column = quote_ident(self.element)
        return f"{column} < {timestamp_literal(as_of)} - INTERVAL {int(self.retention_days)} DAY"


@dataclass(frozen=True)
class RetentionPlan:
    """Every product with a retention policy, and what is due."""

    as_of: datetime
    items: tuple[RetentionItem, ...]
    policy_version: str

    @property
    def due(self) -> int:
        return sum(i.due for i in self.items)

    def item(self, product_id: str) -> RetentionItem:
        return next(i for i in self.items if i.product_id == product_id)


@dataclass(frozen=True)
class AppliedItem:
    product_id: str
    planned: int
    deleted: int
    rows_before: int
    left: int
    status: str  # pass | fail | skipped
    reason: str | None = None


@dataclass(frozen=True)
class RetentionOutcome:
    plan: RetentionPlan
    dry_run: bool
    applied: tuple[AppliedItem, ...] = ()
    run_id: str | None = None

    @property
    def deleted(self) -> int:
        return sum(a.deleted for a in self.applied)


@dataclass
class _Context:
    ws: Workspace
    catalog: Catalog
    policy: Policy
    products: list[DataProduct] = field(default_factory=list)


def _context(workspace: Any, products: list[str] | None) -> _Context:
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    chosen = catalog.select(products) if products else list(catalog.products.values())
    if products:
        for p in chosen:
            if p.retention is None:
                raise PolicyError(
                    f"{p.id} declares no retention policy", file=p.file, field="slaProperties"
                )
    with_policy = sorted((p for p in chosen if p.retention is not None), key=lambda p: p.id)
    return _Context(ws, catalog, policy, with_policy)


def plan_retention(
    workspace: Workspace | Path | str | None = None,
    *,
    products: list[str] | None = None,
    as_of: datetime | None = None,
) -> RetentionPlan:
    """Count, per product with a retention policy, the rows due for deletion."""
    ctx = _context(workspace, products)
    return _plan(ctx, as_of_from(ctx.ws, as_of))


def _plan(ctx: _Context, as_of: datetime) -> RetentionPlan:
    items = []
    with open_engine(ctx.ws, ctx.catalog, kind="duckdb") as engine:
        for p in ctx.products:
            assert p.retention is not None
            r = p.retention
            days = int(r.days)
            column = quote_ident(r.element)
            pred = f"{column} < {timestamp_literal(as_of)} - INTERVAL {days} DAY"
            subject = (
                f"count(DISTINCT {quote_ident(p.subject_key)}) FILTER (WHERE {pred})"
                if p.subject_key
                else "NULL"
            )
            if p.id in engine.registration.failed:
                from privacymesh.errors import SourceError

                raise SourceError(
                    f"{p.id} could not be read: {engine.registration.failed[p.id]}", file=p.file
                )
            row = engine.arrow(
                f"SELECT count(*) AS n, count(*) FILTER (WHERE {pred}) AS due, {subject} AS s, "
                f"CAST(min({column}) FILTER (WHERE {pred}) AS TIMESTAMP) AS oldest "
                f"FROM {p.view}"
            ).to_pylist()[0]
            info = source_info(p, ctx.policy)
            hold = ctx.policy.legal_hold.get(p.id)
            blocked = f"legal hold: {hold}" if hold else info.reason
            items.append(
                RetentionItem(
                    product_id=p.id,
                    element=r.element,
                    retention_days=days,
                    cutoff=as_of - timedelta(days=days),
                    rows=int(row["n"]),
                    due=int(row["due"]),
                    subjects=None if row["s"] is None else int(row["s"]),
                    oldest=row["oldest"],
                    legal_basis=r.legal_basis or p.legal_basis,
                    driver=r.driver,
                    blocked=blocked,
                )
            )
    return RetentionPlan(as_of, tuple(items), ctx.policy.version)


def apply_retention(
    workspace: Workspace | Path | str | None = None,
    *,
    products: list[str] | None = None,
    as_of: datetime | None = None,
    dry_run: bool = True,
    actor: str | None = None,
) -> RetentionOutcome:
    """Delete the rows due (dry run by default: only the plan). See the module docstring."""
    ctx = _context(workspace, products)
    when = as_of_from(ctx.ws, as_of)
    plan = _plan(ctx, when)
    if products:
        for item in plan.items:
            if item.blocked:
                raise ReadOnlySourceError(
                    f"{item.product_id}: {item.blocked}",
                    field="product",
                    hint="leave it out, or lift the hold / make the source writable",
                )
    log = audit_sdk.open_log(ctx.ws)
    who = actor or audit_sdk.current_actor()
    if dry_run:
        log.record(
            who,
            "retention.plan",
            None,
            (),
            None,
            None,
            policy=plan.policy_version,
            detail={
                "as_of": when.isoformat(),
                "due": plan.due,
                "products": {i.product_id: i.due for i in plan.items if i.due},
            },
        )
        log.close()
        return RetentionOutcome(plan, True)

    applied: list[AppliedItem] = []
    by_id = {p.id: p for p in ctx.products}
    with SourceRewrite(ctx.policy) as rewrite:
        staged = {}
        for item in plan.items:
            if item.action == "delete":
                change = RowChange(by_id[item.product_id], delete_where=item.predicate(when))
                staged[item.product_id] = rewrite.stage(change)
        rewrite.commit()
    left = _count_left(ctx, plan, when, list(staged))
    for item in plan.items:
        s = staged.get(item.product_id)
        if s is None:
            status = "skipped" if item.blocked and item.due else "pass"
            applied.append(
                AppliedItem(item.product_id, item.due, 0, item.rows, item.due, status, item.blocked)
            )
            continue
        remaining = left.get(item.product_id, 0)
        applied.append(
            AppliedItem(
                item.product_id,
                item.due,
                s.rows_deleted,
                s.rows_before,
                remaining,
                "pass" if remaining == 0 else "fail",
                None if remaining == 0 else f"{remaining} rows still due after deletion",
            )
        )
    run_id = _record(ctx, plan, applied, who, log)
    log.close()
    return RetentionOutcome(plan, False, tuple(applied), run_id)


def _count_left(
    ctx: _Context, plan: RetentionPlan, as_of: datetime, product_ids: list[str]
) -> dict[str, int]:
    """Rows still due after the deletion, counted afresh from the sources."""
    if not product_ids:
        return {}
    out = {}
    with open_engine(ctx.ws, ctx.catalog, kind="duckdb") as engine:
        for pid in product_ids:
            item = plan.item(pid)
            view = ctx.catalog.get(pid).view
            out[pid] = int(
                engine.scalar(f"SELECT count(*) FROM {view} WHERE {item.predicate(as_of)}") or 0
            )
    return out


def _record(
    ctx: _Context,
    plan: RetentionPlan,
    applied: list[AppliedItem],
    actor: str,
    log: audit_sdk.AuditLog,
) -> str:
    """One audit record per product, then one ledger run holding every product's result."""
    for a in applied:
        item = plan.item(a.product_id)
        if a.deleted or a.status != "pass":
            log.record(
                actor,
                "retention.delete",
                a.product_id,
                [item.element],
                None,
                item.subjects,
                decision="allow" if a.status != "skipped" else "deny",
                policy=plan.policy_version,
                rows=a.deleted,
                detail={
                    "cutoff": item.cutoff.isoformat(),
                    "retention_days": item.retention_days,
                    "legal_basis": item.legal_basis,
                    "status": a.status,
                    "reason": a.reason,
                },
            )
    head = log.head()
    info = RunInfo.for_workspace(
        ctx.ws,
        catalog_fingerprint=ctx.catalog.fingerprint,
        actor=actor,
        options={
            "operation": "retention.apply",
            "as_of": plan.as_of.isoformat(),
            "policy": plan.policy_version,
            "audit_head": f"{head.seq}:{head.hash}",
        },
    )
    sealer = Sealer.for_workspace(ctx.ws)  # signs and anchors the head, as a check run does
    with (
        Ledger(ctx.ws.ledger_path, lock_timeout=30.0, sealer=sealer) as ledger,
        ledger.begin_run(info) as run,
    ):
        for a in applied:
            item = plan.item(a.product_id)
            run.add_result(
                ResultRecord(
                    check_id=CHECK_ID,
                    status=a.status,
                    product_id=a.product_id,
                    measured={
                        "rows_planned": a.planned,
                        "rows_deleted": a.deleted,
                        "rows_left_due": a.left,
                        "retention_days": item.retention_days,
                        "element": item.element,
                        "cutoff": item.cutoff.isoformat(),
                        "oldest_due": item.oldest.isoformat() if item.oldest else None,
                        "legal_basis": item.legal_basis,
                        "driver": item.driver,
                        "subjects": item.subjects,
                    },
                    population=a.rows_before,
                    exceptions=a.left,
                    reason=a.reason,
                    query=f"DELETE FROM {ctx.catalog.get(a.product_id).view} "
                    f"WHERE {item.predicate(plan.as_of)}",
                    control_id=CONTROL_ID,
                )
            )
    return run.run_id

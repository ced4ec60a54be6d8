"""The retention policy engine: which rows the declared retention says must go, and deleting them.

    plan = plan_retention(workspace)                      # per product: rows due, oldest, basis
    outcome = apply_retention(workspace, dry_run=False)   # delete them, record it, verify

A row is due when its retention element (the date column of the contract's `retention` SLA) is
older than the retention period at the reference time (`catalog.retention_due_sql`), the
same test as the `retention.expired_rows` check, with the same reference time (the workspace's
`[run] as_of` when pinned, else now). Rows whose element is empty are never due. Applying with a
reference time in the future is refused: it would delete rows that are not yet due.

Nothing is deleted unrecorded. Applying first commits a deletion intent to the ledger (one run,
a `platform.retention.intent` result per product: the rows expected to go, the rows and file
hash before, the reference time, the actor, the DELETE it stands for); only then deletes the
due rows from every source it can write (Parquet files rewritten atomically, DuckDB tables in a
transaction; see `sources`), counts again to verify that none is left, and records the
completion: one run naming the intent (`options.intent`), a `platform.retention.apply` result
per product with what was planned, deleted and left, rows and file hash after, the cutoff and
the legal basis; plus an audit record per product. A crash anywhere leaves at worst an open
intent: the next apply finds it and completes it (rows still due: deleted now,
`completed_by_rerun`) or records that the deletion had already happened (rows gone:
`found_done`), and reports it. Applying again deletes nothing (and says so in the ledger).
Products that are read-only, or under a legal hold in the policy, are reported and left alone;
naming one explicitly is an error. Dry-run is the default.

The plan and the count after deleting read the products through the workspace's engine
(DuckDB or Spark); the deletion itself is a write to the source (`sources`), and the intent and
completion are recorded through the ledger's one writer (`ledger.operations`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from privacymesh.catalog import (
    Catalog,
    DataProduct,
    quote_ident,
    retention_due_sql,
    timestamp_literal,
)
from privacymesh.engine import open_engine
from privacymesh.ledger import (
    CommitOutcome,
    ResultRecord,
)
from privacymesh.ledger.operations import record_operation, unclosed_operations
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.errors import PolicyError, ReadOnlySourceError
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.retention.model import (
    APPLY_OPERATION,
    CHECK_ID,
    CONTROL_ID,
    INTENT_CHECK_ID,
    INTENT_OPERATION,
    AppliedItem,
    ResumedIntent,
    RetentionItem,
    RetentionOutcome,
    RetentionPlan,
    refuse_future,
)
from privacymesh.platform.sources import RowChange, SourceRewrite, locked, source_info
from privacymesh.sources.lake_table import history_measures
from privacymesh.sources.settings import source_settings
from privacymesh.verdict import Status
from privacymesh.workspace import Workspace, as_of_from, load_workspace


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
    with open_engine(ctx.ws, ctx.catalog) as engine:
        for p in ctx.products:
            assert p.retention is not None
            r = p.retention
            days = int(r.days)
            column = quote_ident(r.element)
            pred = retention_due_sql(r.element, days, timestamp_literal(as_of))
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
            info = source_info(p, ctx.policy, source_settings(ctx.ws))
            if info.connector is not None:
                info.connector.close()
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


Confirm = Callable[[RetentionPlan], bool]


def apply_retention(
    workspace: Workspace | Path | str | None = None,
    *,
    products: list[str] | None = None,
    as_of: datetime | None = None,
    dry_run: bool = True,
    actor: str | None = None,
    confirm: Confirm | None = None,
) -> RetentionOutcome:
    """Delete the rows due (dry run by default: only the plan). See the module docstring.
    `confirm` sees the plan before anything is deleted; returning False cancels."""
    ctx = _context(workspace, products)
    when = as_of_from(ctx.ws, as_of)
    refuse_future(when)
    who = actor or audit_sdk.current_actor()
    if dry_run:
        return _dry_run(ctx, products, when, who)
    # one apply at a time per workspace: two would both find and finish the same open intent
    with locked(ctx.ws.evidence / "retention"):
        resumed = _resume_open_intents(ctx, who)
        plan = _plan(ctx, when)
        _refuse_blocked(plan, products)
        deletable = [i for i in plan.items if i.action == "delete"]
        if deletable and confirm is not None and not confirm(plan):
            return RetentionOutcome(plan, True, resumed=tuple(resumed), cancelled=True)
        intent_id = _record_intent(ctx, plan, deletable, who) if deletable else None
        applied = _delete(ctx, plan, when)
        log = audit_sdk.open_log(ctx.ws)
        try:
            _audit(log, plan, applied, who, intent_id)
            recorded = _record(ctx, plan, applied, who, log, intent_id)
        finally:
            log.close()
    return RetentionOutcome(
        plan,
        False,
        tuple(applied),
        recorded.run_id,
        intent_id,
        tuple(resumed),
        spooled=recorded.spooled,
    )


def _refuse_blocked(plan: RetentionPlan, products: list[str] | None) -> None:
    if not products:
        return
    for item in plan.items:
        if item.blocked:
            raise ReadOnlySourceError(
                f"{item.product_id}: {item.blocked}",
                field="product",
                hint="leave it out, or lift the hold / make the source writable",
            )


def _dry_run(
    ctx: _Context, products: list[str] | None, when: datetime, who: str
) -> RetentionOutcome:
    plan = _plan(ctx, when)
    _refuse_blocked(plan, products)
    open_ids = tuple(dict.fromkeys(i["intent_id"] for i in _open_intents(ctx, pending=False)))
    log = audit_sdk.open_log(ctx.ws)
    try:
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
    finally:
        log.close()
    return RetentionOutcome(plan, True, open_intents=open_ids)


def _sha256(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _source_file(ctx: _Context, product_id: str) -> Path | None:
    info = source_info(ctx.catalog.get(product_id), ctx.policy)
    return info.path if info.kind == "parquet" else None


def _record_intent(
    ctx: _Context, plan: RetentionPlan, items: list[RetentionItem], actor: str
) -> str:
    """Commit the deletion intent (what will go, from where, who asked) before deleting; a
    ledger that cannot take it stops the apply here, with nothing deleted."""
    results = [
        ResultRecord(
            check_id=INTENT_CHECK_ID,
            # an intent measures nothing: skipped keeps it out of posture
            status=Status.SKIPPED,
            product_id=item.product_id,
            measured={
                "rows_expected": item.due,
                "rows_before": item.rows,
                "element": item.element,
                "retention_days": item.retention_days,
                "cutoff": item.cutoff.isoformat(),
                "sha256_before": _sha256(_source_file(ctx, item.product_id)),
            },
            population=item.rows,
            exceptions=item.due,
            reason=f"deletion intent: {item.due} rows due; the completion names this run",
            query=_delete_sql(ctx, item.product_id, item.predicate(plan.as_of)),
            control_id=CONTROL_ID,
        )
        for item in items
    ]
    return record_operation(
        ctx.ws,
        INTENT_OPERATION,
        results,
        actor=actor,
        catalog_fingerprint=ctx.catalog.fingerprint,
        options={"as_of": plan.as_of.isoformat(), "policy": plan.policy_version},
    ).run_id


def _delete_sql(ctx: _Context, product_id: str, predicate: str) -> str:
    return f"DELETE FROM {ctx.catalog.get(product_id).view} WHERE {predicate}"


def _delete(ctx: _Context, plan: RetentionPlan, when: datetime) -> list[AppliedItem]:
    """Delete every product's due rows (all staged, then committed) and verify none is left."""
    by_id = {p.id: p for p in ctx.products}
    before = {i.product_id: _sha256(_source_file(ctx, i.product_id)) for i in plan.items}
    with SourceRewrite(ctx.policy, source_settings(ctx.ws)) as rewrite:
        staged = {}
        for item in plan.items:
            if item.action == "delete":
                change = RowChange(by_id[item.product_id], delete_where=item.predicate(when))
                staged[item.product_id] = rewrite.stage(change)
        rewrite.commit()
    left = _count_left(ctx, plan, when, list(staged))
    applied: list[AppliedItem] = []
    for item in plan.items:
        s = staged.get(item.product_id)
        if s is None:
            status = Status.SKIPPED if item.blocked and item.due else Status.PASS
            applied.append(
                AppliedItem(
                    item.product_id,
                    item.due,
                    0,
                    item.rows,
                    item.due,
                    status,
                    item.blocked,
                    outcome="none",
                    rows_after=item.rows,
                )
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
                Status.PASS if remaining == 0 else Status.FAIL,
                None if remaining == 0 else f"{remaining} rows still due after deletion",
                rows_after=s.rows_before - s.rows_deleted,
                sha256_before=before.get(item.product_id),
                sha256_after=_sha256(_source_file(ctx, item.product_id)),
                version_before=s.version_before,
                version_after=s.version_after,
                history=s.history,
                history_residue=s.history_residue,
            )
        )
    return applied


def _count_left(
    ctx: _Context, plan: RetentionPlan, as_of: datetime, product_ids: list[str]
) -> dict[str, int]:
    """Rows still due after the deletion, counted afresh from the sources."""
    if not product_ids:
        return {}
    out = {}
    with open_engine(ctx.ws, ctx.catalog) as engine:
        for pid in product_ids:
            item = plan.item(pid)
            view = ctx.catalog.get(pid).view
            out[pid] = int(
                engine.scalar(f"SELECT count(*) FROM {view} WHERE {item.predicate(as_of)}") or 0
            )
    return out


# -- finishing what an interrupted apply started ---------------------------------------------


def _open_intents(ctx: _Context, pending: bool = True) -> list[dict[str, Any]]:
    """Intent results that no completion names yet (after committing spooled runs, whose
    completions may close some, when `pending`)."""
    rows = unclosed_operations(
        ctx.ws, INTENT_OPERATION, INTENT_CHECK_ID, closed_by="intent", commit_spooled=pending
    )
    out = []
    for row in rows:
        options = json.loads(row["options"])
        out.append(
            {
                "intent_id": row["run_id"],
                "as_of": options.get("as_of"),
                "actor": row["actor"],
                "policy": options.get("policy"),
                "product_id": row["product_id"],
                "measured": row["measured"],
            }
        )
    return out


def _resume_open_intents(ctx: _Context, actor: str) -> list[ResumedIntent]:
    """Complete, or record as already done, every deletion an interrupted apply left open
    (over every product: the interrupted apply may have named others than this one)."""
    rows = _open_intents(ctx)
    if not rows:
        return []
    every = _Context(
        ctx.ws,
        ctx.catalog,
        ctx.policy,
        sorted(
            (p for p in ctx.catalog.products.values() if p.retention is not None),
            key=lambda p: p.id,
        ),
    )
    resumed = []
    for intent_id in dict.fromkeys(r["intent_id"] for r in rows):
        parts = [r for r in rows if r["intent_id"] == intent_id]
        resumed.append(_resume(every, intent_id, parts, actor))
    return resumed


def _resume(
    ctx: _Context, intent_id: str, parts: list[dict[str, Any]], actor: str
) -> ResumedIntent:
    """Settle one open intent: per product, found done, not to be finished, or deleted now;
    then its completion and audit records, as for any apply."""
    as_of = datetime.fromisoformat(parts[0]["as_of"])
    plan = _plan(ctx, as_of)
    applied: list[AppliedItem] = []
    to_finish: list[tuple[RetentionItem, dict[str, Any]]] = []
    for part in parts:
        measured = json.loads(part["measured"])
        settled = _settled(ctx, plan, part["product_id"], measured)
        if settled is None:
            to_finish.append((plan.item(part["product_id"]), measured))
        else:
            applied.append(settled)
    if to_finish:
        finish_plan = RetentionPlan(as_of, tuple(i for i, _ in to_finish), plan.policy_version)
        for done, (_, measured) in zip(_delete(ctx, finish_plan, as_of), to_finish, strict=True):
            applied.append(
                replace(
                    done,
                    planned=int(measured["rows_expected"]),
                    reason=done.reason
                    or "completed by rerun: the interrupted apply had not deleted these rows",
                    outcome="completed_by_rerun",
                    sha256_before=measured.get("sha256_before"),
                )
            )
    known = {i.product_id for i in plan.items}
    resumed_plan = RetentionPlan(
        as_of,
        tuple(plan.item(a.product_id) for a in applied if a.product_id in known),
        plan.policy_version,
    )
    log = audit_sdk.open_log(ctx.ws)
    try:
        _audit(log, resumed_plan, applied, actor, intent_id)
        recorded = _record(ctx, resumed_plan, applied, actor, log, intent_id, resumed=True)
    finally:
        log.close()
    return ResumedIntent(intent_id, as_of, tuple(applied), recorded.run_id, recorded.spooled)


def _settled(
    ctx: _Context, plan: RetentionPlan, product_id: str, measured: dict[str, Any]
) -> AppliedItem | None:
    """What an open intent's product needs no deletion for (found done, or not to be finished
    on its terms), or None when its rows are still due and are to be deleted now."""
    expected, rows_before = int(measured["rows_expected"]), int(measured["rows_before"])
    if product_id not in {i.product_id for i in plan.items}:
        return AppliedItem(
            product_id, expected, 0, rows_before, 0, Status.ERROR,
            "the product no longer declares a retention policy; nothing deleted",
            outcome="none",
        )  # fmt: skip
    item = plan.item(product_id)
    # the predicate is rebuilt from the contract, never taken from the ledger as SQL; a
    # contract whose retention changed since is not finished on the old terms
    if (item.element, item.retention_days) != (measured["element"], measured["retention_days"]):
        return AppliedItem(
            product_id, expected, 0, rows_before, item.due, Status.ERROR,
            "the contract's retention changed since the intent; nothing deleted under the old "
            "terms (the current plan applies)",
            outcome="none", rows_after=item.rows,
        )  # fmt: skip
    if item.due == 0:
        gone = max(0, rows_before - item.rows)
        return AppliedItem(
            product_id, expected, min(gone, expected), rows_before, 0, Status.PASS,
            "found done: the interrupted apply had deleted the rows before it stopped",
            outcome="found_done", rows_after=item.rows,
            sha256_before=measured.get("sha256_before"),
            sha256_after=_sha256(_source_file(ctx, product_id)),
        )  # fmt: skip
    if item.blocked:
        return AppliedItem(
            product_id, expected, 0, rows_before, item.due, Status.SKIPPED, item.blocked,
            outcome="none", rows_after=item.rows,
        )  # fmt: skip
    return None


# -- recording -------------------------------------------------------------------------------


def _audit(
    log: audit_sdk.AuditLog,
    plan: RetentionPlan,
    applied: list[AppliedItem],
    actor: str,
    intent_id: str | None,
) -> None:
    """One audit record per product that lost rows, or could not be applied."""
    by_id = {i.product_id: i for i in plan.items}
    for a in applied:
        item = by_id.get(a.product_id)
        if not (a.deleted or a.status != Status.PASS):
            continue
        log.record(
            actor,
            "retention.delete",
            a.product_id,
            [item.element] if item else [],
            None,
            item.subjects if item else None,
            decision="deny"
            if a.status == Status.SKIPPED
            else "error"
            if a.status == Status.ERROR
            else "allow",
            policy=plan.policy_version,
            rows=a.deleted,
            detail={
                "cutoff": item.cutoff.isoformat() if item else None,
                "retention_days": item.retention_days if item else None,
                "legal_basis": item.legal_basis if item else None,
                "status": a.status,
                "reason": a.reason,
                "intent": intent_id,
                "outcome": a.outcome,
            },
        )


def _record(
    ctx: _Context,
    plan: RetentionPlan,
    applied: list[AppliedItem],
    actor: str,
    log: audit_sdk.AuditLog,
    intent_id: str | None,
    resumed: bool = False,
) -> CommitOutcome:
    """The completion: one ledger run naming the intent, a result per product. A busy ledger
    spools it (the rows are gone; their record must not be)."""
    head = log.head()
    options: dict[str, Any] = {
        "as_of": plan.as_of.isoformat(),
        "policy": plan.policy_version,
        "audit_head": f"{head.seq}:{head.hash}",
    }
    if intent_id:
        options["intent"] = intent_id
    if resumed:
        options["resumed"] = True
    by_id = {i.product_id: i for i in plan.items}
    results = []
    for a in applied:
        item = by_id.get(a.product_id)
        results.append(
            ResultRecord(
                check_id=CHECK_ID,
                status=a.status,
                product_id=a.product_id,
                measured={
                    "rows_planned": a.planned,
                    "rows_deleted": a.deleted,
                    "rows_left_due": a.left,
                    "rows_before": a.rows_before,
                    "rows_after": a.rows_after,
                    "outcome": a.outcome,
                    "sha256_before": a.sha256_before,
                    "sha256_after": a.sha256_after,
                    "version_before": a.version_before,
                    "version_after": a.version_after,
                    **history_measures(a.history, a.history_residue),
                    "retention_days": item.retention_days if item else None,
                    "element": item.element if item else None,
                    "cutoff": item.cutoff.isoformat() if item else None,
                    "oldest_due": item.oldest.isoformat() if item and item.oldest else None,
                    "legal_basis": item.legal_basis if item else None,
                    "driver": item.driver if item else None,
                    "subjects": item.subjects if item else None,
                },
                population=a.rows_before,
                exceptions=a.left,
                reason=a.reason,
                query=_delete_sql(ctx, a.product_id, item.predicate(plan.as_of)) if item else None,
                control_id=CONTROL_ID,
            )
        )
    return record_operation(
        ctx.ws,
        APPLY_OPERATION,
        results,
        actor=actor,
        catalog_fingerprint=ctx.catalog.fingerprint,
        options=options,
        spool=True,
    )

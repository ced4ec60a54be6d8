"""Deleting due rows: the intent recorded before, the DELETE on each writable source, the
count after, and the file hashes either side."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from privacymesh.engine import open_engine
from privacymesh.ledger import (
    ResultRecord,
)
from privacymesh.ledger.operations import record_operation
from privacymesh.platform.retention.model import (
    CONTROL_ID,
    INTENT_CHECK_ID,
    INTENT_OPERATION,
    AppliedItem,
    RetentionItem,
    RetentionPlan,
)
from privacymesh.platform.retention.plan import RetentionContext
from privacymesh.platform.sources import RowChange, SourceRewrite, source_info
from privacymesh.sources.settings import source_settings
from privacymesh.verdict import Status


def file_sha256(path: Path | None) -> str | None:
    """The SHA-256 of a product's file, or None when it has none."""
    if path is None or not path.is_file():
        return None
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def product_source_file(ctx: RetentionContext, product_id: str) -> Path | None:
    """The Parquet file a product is read from, or None for other sources."""
    info = source_info(ctx.catalog.get(product_id), ctx.policy)
    return info.path if info.storage == "parquet" else None


def record_intent(
    ctx: RetentionContext, plan: RetentionPlan, items: list[RetentionItem], actor: str
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
                "sha256_before": file_sha256(product_source_file(ctx, item.product_id)),
            },
            population=item.rows,
            exceptions=item.due,
            reason=f"deletion intent: {item.due} rows due; the completion names this run",
            query=delete_statement(ctx, item.product_id, item.predicate(plan.as_of)),
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


def delete_statement(ctx: RetentionContext, product_id: str, predicate: str) -> str:
    """The DELETE an intent stands for (recorded with it, never run from the ledger)."""
    return f"DELETE FROM {ctx.catalog.get(product_id).view} WHERE {predicate}"


def delete_due(ctx: RetentionContext, plan: RetentionPlan, when: datetime) -> list[AppliedItem]:
    """Delete every product's due rows (all staged, then committed) and verify none is left."""
    by_id = {p.id: p for p in ctx.products}
    before = {i.product_id: file_sha256(product_source_file(ctx, i.product_id)) for i in plan.items}
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
                sha256_after=file_sha256(product_source_file(ctx, item.product_id)),
                version_before=s.version_before,
                version_after=s.version_after,
                history=s.history,
                history_residue=s.history_residue,
            )
        )
    return applied


def _count_left(
    ctx: RetentionContext, plan: RetentionPlan, as_of: datetime, product_ids: list[str]
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

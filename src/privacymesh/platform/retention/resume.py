"""Finishing what an interrupted apply started: each open intent is completed (rows still due)
or recorded as found done (rows already gone)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from privacymesh.ledger.operations import unclosed_operations
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.retention.deletion import delete_due, file_sha256, product_source_file
from privacymesh.platform.retention.model import (
    INTENT_CHECK_ID,
    INTENT_OPERATION,
    AppliedItem,
    ResumedIntent,
    RetentionItem,
    RetentionPlan,
)
from privacymesh.platform.retention.plan import RetentionContext, plan_at
from privacymesh.platform.retention.records import audit_applied, record_applied
from privacymesh.verdict import Status

# -- finishing what an interrupted apply started ---------------------------------------------


def find_open_intents(ctx: RetentionContext, pending: bool = True) -> list[dict[str, Any]]:
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


def resume_open_intents(ctx: RetentionContext, actor: str) -> list[ResumedIntent]:
    """Complete, or record as already done, every deletion an interrupted apply left open
    (over every product: the interrupted apply may have named others than this one)."""
    rows = find_open_intents(ctx)
    if not rows:
        return []
    every = RetentionContext(
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
    ctx: RetentionContext, intent_id: str, parts: list[dict[str, Any]], actor: str
) -> ResumedIntent:
    """Settle one open intent: per product, found done, not to be finished, or deleted now;
    then its completion and audit records, as for any apply."""
    as_of = datetime.fromisoformat(parts[0]["as_of"])
    plan = plan_at(ctx, as_of)
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
        for done, (_, measured) in zip(delete_due(ctx, finish_plan, as_of), to_finish, strict=True):
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
        audit_applied(log, resumed_plan, applied, actor, intent_id)
        recorded = record_applied(ctx, resumed_plan, applied, actor, log, intent_id, resumed=True)
    finally:
        log.close()
    return ResumedIntent(intent_id, as_of, tuple(applied), recorded.run_id, recorded.spooled)


def _settled(
    ctx: RetentionContext, plan: RetentionPlan, product_id: str, measured: dict[str, Any]
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
            sha256_after=file_sha256(product_source_file(ctx, product_id)),
        )  # fmt: skip
    if item.blocked:
        return AppliedItem(
            product_id, expected, 0, rows_before, item.due, Status.SKIPPED, item.blocked,
            outcome="none", rows_after=item.rows,
        )  # fmt: skip
    return None

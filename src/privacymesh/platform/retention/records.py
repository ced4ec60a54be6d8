"""Recording an apply: an audit record per product that lost rows or could not be applied,
and the completion run in the ledger."""

from __future__ import annotations

from typing import Any

from privacymesh.ledger import (
    CommitOutcome,
    ResultRecord,
)
from privacymesh.ledger.operations import record_operation
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.retention.deletion import delete_statement
from privacymesh.platform.retention.model import (
    APPLY_OPERATION,
    CHECK_ID,
    CONTROL_ID,
    AppliedItem,
    RetentionPlan,
)
from privacymesh.platform.retention.plan import RetentionContext
from privacymesh.sources.lake_table import history_measures
from privacymesh.verdict import Status

# -- recording -------------------------------------------------------------------------------


def audit_applied(
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


def record_applied(
    ctx: RetentionContext,
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
                query=delete_statement(ctx, a.product_id, item.predicate(plan.as_of))
                if item
                else None,
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

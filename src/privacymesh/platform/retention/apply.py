"""Applying the plan: dry run by default; otherwise finish any open intent, commit a new
intent to the ledger, delete the due rows, record the completion and audit it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.errors import ReadOnlySourceError
from privacymesh.platform.retention.deletion import delete_due, record_intent
from privacymesh.platform.retention.model import (
    RetentionOutcome,
    RetentionPlan,
    refuse_future,
)
from privacymesh.platform.retention.plan import RetentionContext, plan_at, retention_context
from privacymesh.platform.retention.records import audit_applied, record_applied
from privacymesh.platform.retention.resume import find_open_intents, resume_open_intents
from privacymesh.platform.sources import locked
from privacymesh.workspace import Workspace, as_of_from

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
    ctx = retention_context(workspace, products)
    when = as_of_from(ctx.ws, as_of)
    refuse_future(when)
    who = actor or audit_sdk.current_actor()
    if dry_run:
        return _dry_run(ctx, products, when, who)
    # one apply at a time per workspace: two would both find and finish the same open intent
    with locked(ctx.ws.evidence / "retention"):
        resumed = resume_open_intents(ctx, who)
        plan = plan_at(ctx, when)
        _refuse_blocked(plan, products)
        deletable = [i for i in plan.items if i.action == "delete"]
        if deletable and confirm is not None and not confirm(plan):
            return RetentionOutcome(plan, True, resumed=tuple(resumed), cancelled=True)
        intent_id = record_intent(ctx, plan, deletable, who) if deletable else None
        applied = delete_due(ctx, plan, when)
        log = audit_sdk.open_log(ctx.ws)
        try:
            audit_applied(log, plan, applied, who, intent_id)
            recorded = record_applied(ctx, plan, applied, who, log, intent_id)
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
    ctx: RetentionContext, products: list[str] | None, when: datetime, who: str
) -> RetentionOutcome:
    plan = plan_at(ctx, when)
    _refuse_blocked(plan, products)
    open_ids = tuple(dict.fromkeys(i["intent_id"] for i in find_open_intents(ctx, pending=False)))
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

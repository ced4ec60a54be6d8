"""Erasure: delete the subject's rows and blank their identifiers in every product it can
write, tombstone the identity-map entry, search again for residue, record one ledger run."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.catalog import quote_ident, quote_literal
from privacymesh.engine import open_engine
from privacymesh.ledger import ResultRecord
from privacymesh.ledger.operations import record_operation
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.consent import utc_naive
from privacymesh.platform.dsar.holdings import find_holdings
from privacymesh.platform.dsar.intake import DsarContext, complete_tasks, dsar_context, get_request
from privacymesh.platform.dsar.model import (
    CONTROL_ID,
    ERASE_OPERATION,
    ERASURE_CHECK,
    VERIFY_CHECK,
    DsarRequest,
    ErasureItem,
    ErasureOutcome,
    Holding,
    identifier_tokens,
    key_predicate,
    token_pattern,
)
from privacymesh.platform.errors import DsarError
from privacymesh.platform.identity import IDENTITY_FILE
from privacymesh.platform.principals import principal_of
from privacymesh.platform.sources import (
    RowChange,
    SourceRewrite,
    locked,
    source_info,
    write_parquet_atomic,
)
from privacymesh.sources.lake_table import history_measures
from privacymesh.sources.settings import source_settings
from privacymesh.subjects import FORGOTTEN_ON_ERASURE
from privacymesh.verdict import Status
from privacymesh.workspace import Workspace

# ---- erasure ---------------------------------------------------------------------------------


def erase_request(
    workspace: Workspace | Path | str | None,
    request_id: str,
    *,
    apply: bool = False,
    actor: str | None = None,
) -> ErasureOutcome:
    """Erase the subject of an erasure request (a dry run unless `apply`); see the module doc."""
    ctx = dsar_context(workspace)
    actor = actor or principal_of(ctx.ws).name  # the audit log names who is verified
    request = get_request(ctx.ws, request_id)
    if request.type != "erasure":
        raise DsarError(
            f"{request_id} is an {request.type} request, not an erasure", field="request_id"
        )
    person = ctx.identity.resolve(request.user_id)
    tokens = identifier_tokens(person)
    pattern = token_pattern(tokens) if tokens else None
    with open_engine(ctx.ws, ctx.catalog) as engine:
        holdings = find_holdings(engine, ctx.catalog, person, tokens)
    items = {pid: _erasure_item(ctx, h) for pid, h in holdings.items() if h.holds}
    log = audit_sdk.open_log(ctx.ws)
    ref = log.pseudonymize(person.user_id)
    if not apply:
        log.close()
        return ErasureOutcome(request_id, False, tuple(items.values()), None, ref)
    who = actor or audit_sdk.current_actor()
    with SourceRewrite(ctx.policy, source_settings(ctx.ws)) as rewrite:
        staged = {}
        for pid, item in items.items():
            if item.action != "erase":
                continue
            product = ctx.catalog.get(pid)
            key = key_predicate(product, person)
            cells = {
                c: f"regexp_matches({quote_ident(c)}, {quote_literal(pattern or '')})"
                for c in item.cells
            }
            staged[pid] = rewrite.stage(RowChange(product, key, cells))
        rewrite.commit()
    when = utc_naive()
    _tombstone(ctx, person.user_id, when)
    with open_engine(ctx.ws, ctx.catalog) as engine:
        after = find_holdings(engine, ctx.catalog, person, tokens)
    for pid, item in list(items.items()):
        s = staged.get(pid)
        items[pid] = ErasureItem(
            pid,
            item.key_rows,
            item.cells,
            item.action,
            item.reason,
            s.rows_deleted if s else 0,
            sum(s.cells_nulled.values()) if s else 0,
            after[pid].rows + _rows_in_history(s),
            s.version_before if s else None,
            s.version_after if s else None,
            s.history if s else None,
            s.history_residue if s else None,
        )
    for pid, h in after.items():  # residue in a product that held nothing before (should not be)
        if h.holds and pid not in items:
            items[pid] = ErasureItem(pid, 0, {}, "none", "found only after erasure", 0, 0, h.rows)
    done = [pid for pid, i in items.items() if i.verified]
    outcome = ErasureOutcome(request_id, True, tuple(items[k] for k in sorted(items)), None, ref)
    complete = outcome.verified
    task_products = [f"{t['domain']}.{t['product']}" for t in request.tasks]
    finished = [p for p in task_products if p in done or p not in items]
    complete_tasks(ctx.ws, request_id, finished, when, request_done=complete)
    for item in outcome.items:
        log.record(
            who,
            "dsar.erase",
            item.product_id,
            sorted(item.cells),
            None,
            1,
            subject_ref=ref,
            decision="allow" if item.action == "erase" else "deny",
            policy=ctx.policy.version,
            rows=item.rows_erased,
            detail={
                "request_id": request_id,
                "action": item.action,
                "reason": item.reason,
                "cells_erased": item.cells_erased,
                "residue_rows": item.residue_rows,
            },
        )
    log.record(
        who,
        "dsar.verify",
        None,
        (),
        None,
        1,
        subject_ref=ref,
        policy=ctx.policy.version,
        decision="allow" if complete else "error",
        detail={"request_id": request_id, "residue_rows": outcome.residue, "verified": complete},
    )
    run_id = _record_erasure(ctx, request, outcome, who, log)
    log.close()
    return ErasureOutcome(outcome.request_id, True, outcome.items, run_id, ref)


def _rows_in_history(staged: Any) -> int:
    """Rows of the subject that earlier versions of a source still let a reader travel back to
    (Delta, Iceberg without `purge_history`): residue like any other."""
    residue = staged.history_residue if staged is not None else None
    return int(residue.get("rows", 0)) if residue else 0


def _erasure_item(ctx: DsarContext, holding: Holding) -> ErasureItem:
    product = ctx.catalog.get(holding.product_id)
    exempt = ctx.policy.erasure_exempt.get(product.id)
    if exempt:
        return ErasureItem(product.id, holding.key_rows, holding.cells, "exempt", exempt)
    info = source_info(product, ctx.policy, source_settings(ctx.ws))
    if info.connector is not None:
        info.connector.close()
    if not info.writable:
        return ErasureItem(product.id, holding.key_rows, holding.cells, "read-only", info.reason)
    return ErasureItem(product.id, holding.key_rows, holding.cells, "erase")


def _tombstone(ctx: DsarContext, user_id: str, when: datetime) -> None:
    """Forget the subject's personal data in the identity map; keep keys and e-mail hash."""
    path = ctx.ws.platform / IDENTITY_FILE
    with locked(path):
        frame = pl.read_parquet(path)
        mine = pl.col("user_id") == user_id
        updates = [
            pl.when(mine).then(None).otherwise(pl.col(c)).alias(c)
            for c in FORGOTTEN_ON_ERASURE
            if c in frame.columns
        ]
        if "status" in frame.columns:
            updates.append(
                pl.when(mine).then(pl.lit("erased")).otherwise(pl.col("status")).alias("status")
            )
        if "erased_at" in frame.columns:
            updates.append(
                pl.when(mine).then(pl.lit(when)).otherwise(pl.col("erased_at")).alias("erased_at")
            )
        write_parquet_atomic(frame.with_columns(updates), path)


def _record_erasure(
    ctx: DsarContext,
    request: DsarRequest,
    outcome: ErasureOutcome,
    actor: str,
    log: audit_sdk.AuditLog,
) -> str:
    head = log.head()
    options = {
        "request_id": request.request_id,
        "regulation": request.regulation,
        "subject_ref": outcome.subject_ref,
        "policy": ctx.policy.version,
        "audit_head": f"{head.seq}:{head.hash}",
    }
    results: list[ResultRecord] = []
    for item in outcome.items:
        common = {"request_id": request.request_id, "subject_ref": outcome.subject_ref or ""}
        results.append(
            ResultRecord(
                check_id=ERASURE_CHECK,
                status=Status.PASS if item.action == "erase" else Status.SKIPPED,
                product_id=item.product_id,
                measured={
                    **common,
                    "action": item.action,
                    "rows_found": item.key_rows,
                    "rows_erased": item.rows_erased,
                    "cells_erased": item.cells_erased,
                    "version_before": item.version_before,
                    "version_after": item.version_after,
                    **history_measures(item.history, None),
                },
                population=item.key_rows + sum(item.cells.values()),
                exceptions=0,
                reason=item.reason,
                control_id=CONTROL_ID,
            )
        )
    for item in outcome.items:
        status = Status.PASS if item.verified else Status.FAIL
        reason = None
        if item.action == "exempt":
            reason = f"exempt: {item.reason}"
        elif not item.verified:
            reason = (
                f"{item.residue_rows} rows still carry the subject ({item.action}: {item.reason})"
            )
            in_history = (item.history_residue or {}).get("rows")
            if in_history:
                reason += (
                    f"; {in_history} of them in earlier versions time travel still reads "
                    "(set purge_history on the source to remove them with the erasure)"
                )
        results.append(
            ResultRecord(
                check_id=VERIFY_CHECK,
                status=status,
                product_id=item.product_id,
                measured={
                    "request_id": request.request_id,
                    "subject_ref": outcome.subject_ref or "",
                    "residue_rows": item.residue_rows or 0,
                    **history_measures(None, item.history_residue),
                },
                population=1,
                exceptions=0 if item.verified else 1,
                reason=reason,
                control_id=CONTROL_ID,
            )
        )
    results.append(
        ResultRecord(
            check_id=VERIFY_CHECK,
            status=Status.PASS if outcome.verified else Status.FAIL,
            product_id=None,
            domain="mesh",
            measured={
                "request_id": request.request_id,
                "subject_ref": outcome.subject_ref or "",
                "products_checked": len(ctx.catalog.products),
                "residue_rows": outcome.residue,
            },
            population=len(ctx.catalog.products),
            exceptions=sum(1 for i in outcome.items if not i.verified),
            reason=None if outcome.verified else "residue left: see the product results",
            control_id=CONTROL_ID,
        )
    )
    return record_operation(
        ctx.ws,
        ERASE_OPERATION,
        results,
        actor=actor,
        catalog_fingerprint=ctx.catalog.fingerprint,
        options=options,
        on_wait=None,
    ).run_id

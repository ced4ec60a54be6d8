"""The evidence of a platform operation (a retention intent or its completion, a DSAR erasure):
one ledger run named by its operation, holding one result per product.

The platform builds the results; this module builds the run around them and commits it
through the one commit path (`writer.commit_chained`), after the runs spooled before it. The
platform never opens the ledger file itself.

    record_operation(ws, "dsar.erase", results, actor=who, options={...})          # now or raise
    record_operation(ws, "retention.apply", results, actor=who, spool=True)     # now or spool
    unclosed_operations(ws, "retention.intent", INTENT_CHECK_ID, closed_by="intent")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from privacymesh.ledger.pending import (
    CommitOutcome,
    commit_or_spool,
    commit_pending,
    print_wait_notice,
)
from privacymesh.ledger.records import ResultRecord, RunInfo, utc_now
from privacymesh.ledger.seal import Sealer
from privacymesh.ledger.store import Ledger, WaitNotice, lock_timeout_for
from privacymesh.ledger.writer import RunWriter

if TYPE_CHECKING:
    from privacymesh.workspace import Workspace


def record_operation(
    ws: Workspace,
    operation: str,
    results: Sequence[ResultRecord],
    *,
    actor: str,
    catalog_fingerprint: str | None = None,
    options: Mapping[str, Any] | None = None,
    spool: bool = False,
    on_wait: WaitNotice | None = print_wait_notice,
) -> CommitOutcome:
    """Commit one operation's run (its options name the operation; one result per product),
    sealed and anchored as a check run is. With `spool`, a busy ledger keeps it in the spool
    for the next writer (for what already happened: its record must not be lost); without, a
    ledger that cannot take it raises (for what must be on record before it happens)."""
    info = RunInfo.for_workspace(
        ws,
        catalog_fingerprint=catalog_fingerprint,
        actor=actor,
        options={"operation": operation, **(options or {})},
    )
    run = RunWriter.detached(info)
    run.add_results(results)  # checked here: no raw e-mail address, a reason for each error
    ws.evidence.mkdir(parents=True, exist_ok=True)
    sealer = Sealer.for_workspace(ws)
    if spool:
        return commit_or_spool(
            ws.ledger_path,
            run,
            lock_timeout=lock_timeout_for(ws),
            on_wait=on_wait,
            sealer=sealer,
        )
    run.finished_at = utc_now()
    with Ledger(
        ws.ledger_path, lock_timeout=lock_timeout_for(ws), on_wait=on_wait, sealer=sealer
    ) as ledger:
        recovered = commit_pending(ledger)  # runs spooled earlier keep their place
        summary = ledger._commit(run)
    run.summary = summary
    return CommitOutcome(run.run_id, summary, recovered=tuple(recovered.committed))


_UNCLOSED = """
    SELECT u.run_id AS run_id, u.actor, CAST(u.options AS VARCHAR) AS options,
           r.product_id, CAST(r.measured AS VARCHAR) AS measured
    FROM runs u JOIN results r ON r.run_id = u.run_id AND r.check_id = $check
    WHERE u.options ->> '$.operation' = $operation
      AND u.run_id NOT IN (
          SELECT options ->> ('$.' || $closed_by) FROM runs
          WHERE options ->> ('$.' || $closed_by) IS NOT NULL)
    ORDER BY u.seq, r.seq
"""


def unclosed_operations(
    ws: Workspace,
    operation: str,
    check_id: str,
    *,
    closed_by: str,
    commit_spooled: bool = True,
) -> list[dict[str, Any]]:
    """The `check_id` results of every `operation` run that no later run names in its option
    `closed_by` (e.g. deletion intents no completion names yet), oldest first. With
    `commit_spooled`, spooled runs (which may close some) are committed first."""
    if not ws.ledger_path.is_file():
        return []
    params = {"check": check_id, "operation": operation, "closed_by": closed_by}
    if commit_spooled:
        with Ledger(
            ws.ledger_path,
            lock_timeout=lock_timeout_for(ws),
            on_wait=print_wait_notice,
            sealer=Sealer.for_workspace(ws),
        ) as ledger:
            commit_pending(ledger)
            return ledger.sql(_UNCLOSED, params).to_dicts()
    with Ledger(ws.ledger_path, read_only=True, lock_timeout=lock_timeout_for(ws)) as ro:
        return ro.sql(_UNCLOSED, params).to_dicts()

"""The retention policy engine: which rows the declared retention says must go, and deleting them.

    plan = plan_retention(workspace)                      # per product: rows due, oldest, basis
    outcome = apply_retention(workspace, dry_run=False)   # delete them, record it, verify

The items, plans and outcomes are in `model`; the plan in `plan`; an apply in `apply`, the
deletion itself in `deletion`, finishing an interrupted apply in `resume`, and its audit and
ledger records in `records`.

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

from privacymesh.platform.retention.apply import Confirm, apply_retention
from privacymesh.platform.retention.model import (
    CHECK_ID,
    CONTROL_ID,
    INTENT_CHECK_ID,
    AppliedItem,
    ResumedIntent,
    RetentionItem,
    RetentionOutcome,
    RetentionPlan,
    refuse_future,
)
from privacymesh.platform.retention.plan import plan_retention

__all__ = [
    "CHECK_ID",
    "CONTROL_ID",
    "INTENT_CHECK_ID",
    "AppliedItem",
    "Confirm",
    "ResumedIntent",
    "RetentionItem",
    "RetentionOutcome",
    "RetentionPlan",
    "apply_retention",
    "plan_retention",
    "refuse_future",
]

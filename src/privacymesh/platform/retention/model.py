"""What retention decides: a product's position at the reference time, the plan, and what an
apply did. The rule itself (older than the declared period at the reference time) is
`catalog.retention_due_sql`, which the `retention.expired_rows` check renders too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privacymesh.catalog import (
    retention_due_sql,
    timestamp_literal,
)
from privacymesh.platform.errors import PolicyError

CHECK_ID = "platform.retention.apply"
INTENT_CHECK_ID = "platform.retention.intent"
CONTROL_ID = "PM-RET-01"
INTENT_OPERATION = "retention.intent"  # the ledger run recorded before deleting
APPLY_OPERATION = "retention.apply"  # the run recorded after, naming its intent


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
        """SQL true for the rows due: the element older than the period at `as_of`."""
        return retention_due_sql(self.element, self.retention_days, timestamp_literal(as_of))


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
    status: str  # pass | fail | skipped | error
    reason: str | None = None
    outcome: str = "deleted"  # deleted | completed_by_rerun | found_done | none
    rows_after: int | None = None
    sha256_before: str | None = None  # of a Parquet source file
    sha256_after: str | None = None
    version_before: str | None = None  # of a source with versions (PostgreSQL's WAL position)
    version_after: str | None = None
    history: dict[str, Any] | None = None  # earlier versions removed (`purge_history`)
    history_residue: dict[str, Any] | None = None  # due rows earlier versions still hold


@dataclass(frozen=True)
class ResumedIntent:
    """An intent an interrupted apply left open, and what this apply did about it."""

    intent_id: str
    as_of: datetime
    applied: tuple[AppliedItem, ...]
    run_id: str
    spooled: Path | None = None


@dataclass(frozen=True)
class RetentionOutcome:
    plan: RetentionPlan
    dry_run: bool
    applied: tuple[AppliedItem, ...] = ()
    run_id: str | None = None
    intent_id: str | None = None
    resumed: tuple[ResumedIntent, ...] = ()
    open_intents: tuple[str, ...] = ()  # left open (a dry run only reports them)
    spooled: Path | None = None  # the ledger was busy: the completion waits in the spool
    cancelled: bool = False

    @property
    def deleted(self) -> int:
        return sum(a.deleted for a in self.applied)


def refuse_future(as_of: datetime) -> None:
    """Retention deletes what is due now: a reference time after now would delete rows early."""
    now = datetime.now(UTC).replace(tzinfo=None)
    when = as_of.astimezone(UTC).replace(tzinfo=None) if as_of.tzinfo else as_of
    if when > now:
        raise PolicyError(
            f"the reference time {when:%Y-%m-%d %H:%M} is in the future; retention deletes "
            "only rows due now",
            field="as_of",
            hint="leave --as-of out (now), or give a time in the past",
        )

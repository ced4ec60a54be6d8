"""Findings with an owner and a due date: the finding lifecycle as one table.

A finding is followed across runs by its fingerprint (the lives in `views.sql`). Its lifecycle
at the newest reference time in scope is `opened` (first seen at that time), `still open` (seen
earlier and not cleared since), `closed` (a later conclusive result of the same check on the
same product no longer had it) or `accepted` (someone recorded a reason to accept it, until a
day: `privacymesh findings accept`; an accepted finding is never overdue). Its owner is the
owning team of the product's contract; it is due a number of days after it was first seen, by
severity (`DEFAULT_DUE_DAYS`, overridable in privacymesh.toml `[findings.due_days]`), and overdue
when still open past that day."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.errors import WorkspaceError
from privacymesh.ledger import Ledger
from privacymesh.verdict import Severity
from privacymesh.views.scope import Scope
from privacymesh.views.sql import LIVES, SEVERITY_ORDER, SEVERITY_RANK

DEFAULT_DUE_DAYS: dict[str, int] = {
    Severity.CRITICAL: 7,
    Severity.HIGH: 30,
    Severity.MEDIUM: 90,
    Severity.LOW: 180,
}
"""Days from first seen to due, by severity; an unknown severity is due like `low`."""

FINDING_COLUMNS = (
    "severity",
    "check_id",
    "domain",
    "product_id",
    "column_name",
    "kind",
    "owner",
    "lifecycle",
    "first_seen_at",
    "last_seen_at",
    "closed_at",
    "due_at",
    "overdue",
    "runs_seen",
    "fingerprint",
    "accepted_reason",
    "accepted_until",
)


@dataclass(frozen=True)
class DuePolicy:
    """Days to fix a finding, by severity."""

    days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DUE_DAYS))

    @classmethod
    def from_settings(cls, section: dict[str, Any], file: Path | None = None) -> DuePolicy:
        """The defaults with `[findings.due_days]` laid over them (severity = whole days)."""
        raw = section.get("due_days", {})
        if not isinstance(raw, dict):
            raise WorkspaceError(
                "must be a table of severity = days", file=file, field="findings.due_days"
            )
        days = dict(DEFAULT_DUE_DAYS)
        for severity, value in raw.items():
            name = str(severity).lower()
            if name not in SEVERITY_ORDER:
                raise WorkspaceError(
                    f"unknown severity {severity!r}",
                    file=file,
                    field=f"findings.due_days.{severity}",
                    hint=f"one of {', '.join(SEVERITY_ORDER)}",
                )
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise WorkspaceError(
                    f"expected a whole number of days >= 0, found {value!r}",
                    file=file,
                    field=f"findings.due_days.{severity}",
                )
            days[name] = value
        return cls(days)

    def describe(self) -> str:
        return ", ".join(f"{name} {self.days[name]} d" for name in SEVERITY_ORDER)


def finding_table(
    ledger: Ledger,
    scope: Scope,
    owners: pl.DataFrame | None = None,
    policy: DuePolicy | None = None,
    *,
    open_only: bool = False,
) -> pl.DataFrame:
    """Every finding in scope (open ones only with `open_only`), most severe and oldest first,
    with `FINDING_COLUMNS`. `owners` maps `product_id` to `owner`; products it does not name
    have no owner (null)."""
    policy = policy or DuePolicy()
    query = f"""
        WITH {scope.state_tables()}, {LIVES},
        reference AS (SELECT max(run_at) AS at FROM runs)
        SELECT l.severity, l.check_id, coalesce(l.domain, '(mesh)') AS domain, l.product_id,
               l.column_name, l.kind,
               CASE WHEN l.state = 'remediated' THEN 'closed'
                    WHEN l.state = 'accepted' THEN 'accepted'
                    WHEN l.first_seen_at = r.at THEN 'opened'
                    ELSE 'still open' END AS lifecycle,
               l.accepted_reason, l.accepted_until,
               l.first_seen_at, l.last_seen_at, l.remediated_at AS closed_at, l.runs_seen,
               l.fingerprint, r.at AS reference_at,
               {SEVERITY_RANK.format(col="l.severity")} AS severity_rank
        FROM lives l CROSS JOIN reference r
        {"WHERE l.state = 'open'" if open_only else ""}
    """
    frame = ledger.sql(query, scope.params(query))
    if owners is None or owners.is_empty():
        owners = pl.DataFrame(schema={"product_id": pl.String, "owner": pl.String})
    low = policy.days.get(Severity.LOW, DEFAULT_DUE_DAYS[Severity.LOW])
    return (
        frame.join(owners.select("product_id", "owner"), on="product_id", how="left")
        .with_columns(
            (
                pl.col("first_seen_at")
                + pl.duration(
                    days=pl.col("severity")
                    .str.to_lowercase()
                    .replace_strict(policy.days, default=low, return_dtype=pl.Int64)
                )
            ).alias("due_at")
        )
        .with_columns(
            (
                ~pl.col("lifecycle").is_in(["closed", "accepted"])
                & (pl.col("due_at") < pl.col("reference_at"))
            )
            .fill_null(False)
            .alias("overdue")
        )
        .sort(["severity_rank", "first_seen_at", "check_id", "product_id", "fingerprint"])
        .select(FINDING_COLUMNS)
    )

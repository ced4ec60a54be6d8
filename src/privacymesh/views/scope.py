"""The filters every view takes: a period of runs and a set of domains.

A run is placed in time by its reference time: the `as_of` its context record holds (older
ledgers: the one in its options, or its start); the audit packs place runs the same way. A run
covered the whole mesh (`full`) or a selection of checks, products or domains (`partial`): a
trend point is only drawn from full runs, as a partial one says nothing about the rest. A run
that selected checks but read every product is complete for each check it ran: per-check trends
draw it, and mark the points of runs that selected products or domains as partial.
A period is half-open: a run belongs to it when `since <= run_at < until` (naive UTC). A view
of "the state" (the latest result of each check, the open findings) reads every run before
`until`; a view of "a trend" reads the runs inside the period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from privacymesh.ledger.chain import to_utc_naive

RUNS = """SELECT u.*,
       coalesce(c.as_of, TRY_CAST(json_extract_string(u.options, '$.as_of') AS TIMESTAMP),
                u.started_at) AS run_at,
       coalesce(c.coverage, CASE WHEN json_array_length(u.options, '$.checks') > 0
                                   OR json_array_length(u.options, '$.products') > 0
                                   OR json_array_length(u.options, '$.domains') > 0
                              THEN 'partial' ELSE 'full' END) AS coverage,
       coalesce(json_array_length(u.options, '$.products'), 0) = 0
         AND coalesce(json_array_length(u.options, '$.domains'), 0) = 0 AS every_product
FROM main.runs u LEFT JOIN run_context c USING (run_id)"""
"""Every run with its reference time `run_at`, its `coverage` (full or partial) and whether it
read `every_product` (no product or domain selected: complete for each check it ran), as SQL."""

# what the views read (not the query text nor the hashes: a CTE read twice is materialized)
_RESULT_COLUMNS = ", ".join(
    f"r.{c}"
    for c in ("seq", "result_id", "run_id", "check_id", "product_id", "domain", "status",
              "measured", "threshold", "population", "exceptions", "reason", "severity",
              "control_id")
)  # fmt: skip
_FINDING_COLUMNS = ", ".join(
    f"f.{c}"
    for c in ("seq", "finding_id", "result_id", "run_id", "check_id", "product_id",
              "column_name", "kind", "severity", "detail", "fingerprint")
)  # fmt: skip

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Scope:
    """Which runs and domains a view covers. Empty `domains` means every domain."""

    since: datetime | None = None
    until: datetime | None = None
    domains: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_utc_naive(value))
        object.__setattr__(self, "domains", tuple(sorted(set(self.domains))))

    @classmethod
    def for_dates(
        cls, start: date | None = None, end: date | None = None, domains: tuple[str, ...] = ()
    ) -> Scope:
        """The runs from the start of day `start` to the end of day `end` (both included)."""
        since = datetime.combine(start, time(0)) if start else None
        until = datetime.combine(end + timedelta(days=1), time(0)) if end else None
        return cls(since, until, tuple(domains))

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        """A hashable, printable identity (for caches)."""
        return (
            self.since.isoformat() if self.since else "",
            self.until.isoformat() if self.until else "",
            self.domains,
        )

    def describe(self) -> str:
        """The scope in words, for captions."""
        since = f"{self.since:%Y-%m-%d}" if self.since else "the first run"
        until = f"{self.until - timedelta(microseconds=1):%Y-%m-%d}" if self.until else "now"
        where = ", ".join(self.domains) if self.domains else "all domains"
        return f"{since} to {until}, {where}"

    # -- SQL ---------------------------------------------------------------------------------

    def params(self, query: str, **extra: Any) -> dict[str, Any]:
        """The named parameters `query` uses, from this scope and `extra`."""
        values: dict[str, Any] = {
            "since": self.since,
            "until": self.until,
            "domains": list(self.domains),
            **extra,
        }
        used = set(_PARAM.findall(query))
        return {name: value for name, value in values.items() if name in used}

    def state_tables(self) -> str:
        """CTEs named `runs`, `results` and `findings` that shadow the ledger's tables with the
        runs before `until` and their results and findings in the scope's domains. Each gets
        `run_at` (the run's reference time; runs also `coverage`) and `run_seq`; results also
        `check_coverage` (full when the run read every product for that check, so a sum over
        products means something); findings also get their result's `domain`. Start a query
        with `WITH {scope.state_tables()}, ...`; the ledger's own tables stay reachable as
        main.*."""
        until = " WHERE run_at < $until" if self.until else ""
        runs = f"SELECT * FROM ({RUNS}){until}"
        domain = "WHERE list_contains($domains, coalesce(r.domain, ''))" if self.domains else ""
        results = (
            f"SELECT {_RESULT_COLUMNS}, u.run_at, u.seq AS run_seq, "
            "CASE WHEN u.every_product THEN 'full' ELSE 'partial' END AS check_coverage "
            f"FROM main.results r JOIN runs u ON u.run_id = r.run_id {domain}"
        )
        findings = (
            f"SELECT {_FINDING_COLUMNS}, r.domain, r.run_at, r.run_seq "
            "FROM main.findings f JOIN results r ON r.result_id = f.result_id"
        )
        return f"runs AS ({runs}),\nresults AS ({results}),\nfindings AS ({findings})"

    def period_clause(self, column: str = "run_at") -> str:
        """`column` inside the period, as an SQL condition (TRUE when unbounded)."""
        parts = []
        if self.since:
            parts.append(f"{column} >= $since")
        if self.until:
            parts.append(f"{column} < $until")
        return " AND ".join(parts) or "TRUE"

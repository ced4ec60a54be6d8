"""Raw reads of the ledger's tables, filtered (runs, results, measurements, findings).

Derived state ("latest", finding lifecycle, posture, trends) has one home, the read model in
`privacymesh.views`; these functions return recorded rows as they are.

Every function returns a Polars DataFrame in seq order unless said otherwise. JSON columns
(`options`, `measured`, `threshold`, `detail`) come back as JSON text (decode with
`pl.col("detail").str.json_decode(dtype)`); `measurements` gives the measured values one metric
per row, ready to plot. Timestamps are naive UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import duckdb
import polars as pl

from privacymesh.ledger.chain import to_utc_naive
from privacymesh.ledger.errors import LedgerError

Moment = datetime | date | str


def _moment(value: Moment, name: str) -> datetime:
    """A filter bound as naive UTC; a date means its midnight (UTC)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise LedgerError(
                f"{name}={value!r} is not an ISO-8601 date or time", field=name
            ) from exc
    if isinstance(value, datetime):
        return to_utc_naive(value)
    return datetime.combine(value, time(0), tzinfo=UTC).replace(tzinfo=None)


class _Where:
    """WHERE clauses with named parameters, built up one optional filter at a time."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: dict[str, Any] = {}

    def add(self, clause: str, **params: Any) -> None:
        self.clauses.append(clause)
        self.params.update(params)

    def filters(
        self,
        alias: str,
        run_id: str | None,
        check: str | None,
        product: str | None,
        since: Moment | None,
        until: Moment | None,
    ) -> _Where:
        if run_id is not None:
            self.add(f"{alias}.run_id = $run_id", run_id=run_id)
        if check is not None:
            self.add(f"{alias}.check_id = $check", check=check)
        if product is not None:
            self.add(f"{alias}.product_id = $product", product=product)
        if since is not None or until is not None:
            bounds = []
            if since is not None:
                bounds.append("started_at >= $since")
                self.params["since"] = _moment(since, "since")
            if until is not None:
                bounds.append("started_at < $until")
                self.params["until"] = _moment(until, "until")
            self.clauses.append(
                f"{alias}.run_id IN (SELECT run_id FROM runs WHERE {' AND '.join(bounds)})"
            )
        return self

    def sql(self) -> str:
        return f"WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None
) -> pl.DataFrame:
    rel = con.sql(query, params=params or None)
    if rel is None:  # a statement, not a query
        return pl.DataFrame()
    return pl.from_arrow(rel.to_arrow_table())  # type: ignore[return-value]


def runs(
    con: duckdb.DuckDBPyConnection, since: Moment | None = None, until: Moment | None = None
) -> pl.DataFrame:
    """Every run, oldest first, with its summary counts."""
    where = _Where()
    if since is not None:
        where.add("started_at >= $since", since=_moment(since, "since"))
    if until is not None:
        where.add("started_at < $until", until=_moment(until, "until"))
    return frame(con, f"SELECT * FROM runs {where.sql()} ORDER BY seq", where.params)


def results(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    check: str | None = None,
    product: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    domain: str | None = None,
    status: str | Sequence[str] | None = None,
) -> pl.DataFrame:
    """Results, filtered; `since` (inclusive) and `until` (exclusive) bound the run's start."""
    where = _Where().filters("r", run_id, check, product, since, until)
    if domain is not None:
        where.add("r.domain = $domain", domain=domain)
    if status is not None:
        where.add(
            "list_contains($status, r.status)",
            status=[status] if isinstance(status, str) else list(status),
        )
    return frame(con, f"SELECT r.* FROM results r {where.sql()} ORDER BY r.seq", where.params)


def measurements(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    check: str | None = None,
    product: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    metric: str | None = None,
) -> pl.DataFrame:
    """The results' measured values in long form, one row per result and metric: `value` for
    numbers (and booleans as 1/0), `text` for strings, with the run's start time."""
    where = _Where().filters("r", run_id, check, product, since, until)
    if metric is not None:
        where.add("j.key = $metric", metric=metric)
    query = f"""
        SELECT r.seq, r.result_id, r.run_id, u.started_at AS run_started_at, r.check_id,
               r.product_id, r.domain, r.status, j.key AS metric,
               CASE WHEN json_type(j.value) <> 'VARCHAR' THEN TRY_CAST(j.value AS DOUBLE) END
                   AS value,
               CASE WHEN json_type(j.value) = 'VARCHAR' THEN j.value ->> '$' END AS text
        FROM results r
        JOIN runs u ON u.run_id = r.run_id,
        json_each(r.measured) j
        {where.sql()}
        ORDER BY r.seq, j.key
    """
    return frame(con, query, where.params)


def findings(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None = None,
    check: str | None = None,
    product: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    fingerprint: str | None = None,
) -> pl.DataFrame:
    """Findings, filtered like `results`."""
    where = _Where().filters("f", run_id, check, product, since, until)
    if fingerprint is not None:
        where.add("f.fingerprint = $fingerprint", fingerprint=fingerprint)
    return frame(con, f"SELECT f.* FROM findings f {where.sql()} ORDER BY f.seq", where.params)

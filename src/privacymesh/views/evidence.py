"""Evidence: the runs, what each recorded, and whether the hash chain still verifies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.ledger import Ledger, VerifyReport, read_snapshot
from privacymesh.views.scope import RUNS, Scope


def last_run(ledger: Ledger) -> dict[str, Any] | None:
    """The newest run (by reference time, then recording order): id, reference time `run_at`,
    coverage, start, finish and counts; None when the ledger has no run."""
    frame = ledger.sql(
        "SELECT run_id, run_at, coverage, started_at, finished_at, result_count, "
        "pass_count, fail_count, error_count, finding_count "
        f"FROM ({RUNS}) ORDER BY run_at DESC, seq DESC LIMIT 1"
    )
    return frame.row(0, named=True) if frame.height else None


def ledger_domains(ledger: Ledger) -> list[str]:
    """Every domain that has results, for the domain filter."""
    frame = ledger.sql(
        "SELECT DISTINCT domain FROM main.results WHERE domain IS NOT NULL ORDER BY domain"
    )
    return frame["domain"].to_list()


def run_span(ledger: Ledger) -> tuple[datetime, datetime, int] | None:
    """(first, last) reference time of the runs and their number; None when there is none."""
    lo, hi, count = ledger.sql(f"SELECT min(run_at), max(run_at), count(*) FROM ({RUNS})").row(0)
    return (lo, hi, count) if count else None


def run_list(ledger: Ledger, scope: Scope, limit: int = 200, offset: int = 0) -> pl.DataFrame:
    """Runs of the period, newest first (a page of `limit` from `offset`), with their counts,
    reference time and chained hash."""
    query = f"""
        WITH {scope.state_tables()}
        SELECT run_id, run_at, coverage, started_at, finished_at, actor, host, engine, code_version,
               result_count, pass_count, fail_count, error_count, skipped_count, finding_count,
               catalog_fingerprint, seq, hash
        FROM runs WHERE {scope.period_clause()}
        ORDER BY run_at DESC, seq DESC LIMIT {int(limit)} OFFSET {int(offset)}
    """
    return ledger.sql(query, scope.params(query))


def run_count(ledger: Ledger, scope: Scope) -> int:
    """How many runs the period holds."""
    query = f"WITH {scope.state_tables()} SELECT count(*) FROM runs WHERE {scope.period_clause()}"
    return int(ledger.sql(query, scope.params(query)).item())


def run_results(ledger: Ledger, run_id: str, scope: Scope) -> pl.DataFrame:
    """Every result one run recorded (in the scope's domains): status, exceptions, measured
    values, the query or measure behind it."""
    domain = "AND list_contains($domains, coalesce(domain, ''))" if scope.domains else ""
    query = f"""
        SELECT check_id, domain, product_id, status, severity, exceptions, population,
               CAST(measured AS VARCHAR) AS measured, reason, control_id, query, result_id
        FROM main.results WHERE run_id = $run_id {domain}
        ORDER BY seq
    """
    return ledger.sql(query, scope.params(query, run_id=run_id))


def verify_ledger(path: Path | str) -> VerifyReport:
    """Recompute the hash chain of a ledger file, on a private copy (the live file is held
    only while it is copied, so a run never waits for the verification)."""
    with read_snapshot(path, lock_timeout=10.0) as ledger:
        return ledger.verify()

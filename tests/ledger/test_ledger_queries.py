"""The readers' helpers return the right rows: filters and latest results (the finding
lifecycle is the read side's: tests/ledger/test_finding_table.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from ledger_support import DAY0, record_run

from privacymesh.ledger import Ledger, LedgerError, ResultRecord, RunInfo, finding_fingerprint


@pytest.fixture
def history(ledger_path: Path) -> Ledger:
    """Day 0: p0, p1, p2 fail (findings on col0 and col1). Day 1: only p0 fails. Day 2: p0
    fails on col0 only. Day 3: the check errors on p0 and a cross-product check fails."""
    ledger = Ledger(ledger_path)
    record_run(ledger, day=0)
    record_run(ledger, day=1, failing={"dom.p0"})
    record_run(ledger, day=2, findings=1, failing={"dom.p0"})
    with ledger.begin_run(RunInfo(started_at=DAY0 + timedelta(days=3))) as run:
        run.add_result(ResultRecord("c.pii", "error", product_id="dom.p0", reason="unreadable"))
        run.add_result(ResultRecord("c.lineage", "fail", measured={"orphans": 2}))
    yield ledger  # type: ignore[misc]
    ledger.close()


def fp(product: str, column: str) -> str:
    return finding_fingerprint("c.pii", product, column, "pii_undeclared")


def test_runs_are_listed_oldest_first_with_counts(history: Ledger) -> None:
    runs = history.runs()
    assert runs["started_at"].to_list() == [
        (DAY0 + timedelta(days=d)).replace(tzinfo=None) for d in range(4)
    ]
    assert runs["fail_count"].to_list() == [3, 1, 1, 1]
    assert runs["finding_count"].to_list() == [6, 2, 1, 0]
    assert len(history.runs(since=date(2024, 1, 3))) == 2


def test_results_filters(history: Ledger) -> None:
    assert len(history.results()) == 11
    run_id = history.runs()["run_id"][1]
    assert history.results(run_id=run_id)["status"].to_list() == ["fail", "pass", "pass"]
    assert len(history.results(check="c.lineage")) == 1
    assert history.results(product="dom.p0")["status"].to_list() == [
        "fail",
        "fail",
        "fail",
        "error",
    ]
    assert len(history.results(domain="dom")) == 10
    assert len(history.results(status=["pass", "error"])) == 5
    since = history.results(since=datetime(2024, 1, 2, tzinfo=UTC), until="2024-01-03")
    assert since["run_id"].unique().to_list() == [run_id]
    assert len(history.results(since="2024-01-04T02:00:00Z")) == 2
    with pytest.raises(LedgerError, match="not an ISO-8601"):
        history.results(since="yesterday")


def test_measured_values_decode_from_json(history: Ledger) -> None:
    dtype = pl.Struct({"ratio": pl.Float64, "rows": pl.Int64})
    first = history.results(check="c.pii", run_id=history.runs()["run_id"][0])
    measured = first.select(pl.col("measured").str.json_decode(dtype))["measured"]
    assert measured.struct.field("rows").to_list() == [100, 101, 102]


def test_measurements_are_one_metric_per_row(history: Ledger) -> None:
    rows = history.measurements(product="dom.p1")
    assert rows["metric"].to_list() == ["ratio", "rows"] * 3
    assert rows["value"].to_list() == [0.1, 101.0] * 3
    assert rows["run_started_at"].n_unique() == 3
    orphans = history.measurements(check="c.lineage", metric="orphans")
    assert orphans.select("product_id", "value", "text").to_dicts() == [
        {"product_id": None, "value": 2.0, "text": None}
    ]


def test_findings_filters(history: Ledger) -> None:
    assert len(history.findings()) == 9
    assert len(history.findings(product="dom.p0")) == 5
    assert len(history.findings(fingerprint=fp("dom.p1", "col1"))) == 1
    assert len(history.findings(since="2024-01-02")) == 3


def test_sql_gives_analysts_the_tables(history: Ledger) -> None:
    frame = history.sql(
        "SELECT domain, count(*) AS n FROM results WHERE domain IS NOT NULL GROUP BY domain"
    )
    assert frame.to_dicts() == [{"domain": "dom", "n": 10}]

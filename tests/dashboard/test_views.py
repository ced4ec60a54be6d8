"""privacymesh.views on small hand-built ledgers, where every answer can be worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo
from privacymesh.views import Scope, SnapshotStore, checks, evidence, posture, retention


def record(ledger: Ledger, as_of: datetime, results: list[tuple]) -> str:
    """One run at reference time `as_of`: (check, product, domain, status, severity,
    exceptions, measured, finding kinds)."""
    info = RunInfo(started_at=datetime.now(UTC), options={"as_of": as_of.isoformat()})
    with ledger.begin_run(info) as run:
        for check, product, domain, status, severity, exceptions, measured, kinds in results:
            rid = run.add_result(
                ResultRecord(check_id=check, status=status, product_id=product, domain=domain,
                             severity=severity, exceptions=exceptions, measured=measured,
                             reason="could not read" if status == "error" else None)
            )  # fmt: skip
            if kinds:
                run.add_findings(rid, [FindingRecord(kind=k, column="c") for k in kinds])
    return run.run_id


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """Two domains over three days. Day 1: a.p1 fails (high), b.p2 passes. Day 2: a.p1 passes
    (its finding remediated), b.p2 errors, a mesh check fails for domain a. Day 3: only a
    retention check on a.p1."""
    led = Ledger(tmp_path / "ledger.duckdb")
    record(led, datetime(2026, 5, 1), [
        ("pii.undeclared", "a.p1", "a", "fail", "high", 3, {"rows": 10}, ["undeclared"]),
        ("pii.undeclared", "b.p2", "b", "pass", "high", 0, {"rows": 5}, []),
    ])  # fmt: skip
    record(led, datetime(2026, 5, 2), [
        ("pii.undeclared", "a.p1", "a", "pass", "high", 0, {"rows": 12}, []),
        ("pii.undeclared", "b.p2", "b", "error", "high", None, {}, []),
        ("consent.lag", None, "a", "fail", "critical", 2, {"p95_lag_hours": 30.5}, ["late"]),
    ])  # fmt: skip
    record(led, datetime(2026, 5, 3), [
        ("retention.expired_rows", "a.p1", "a", "fail", "medium", 7,
         {"retention_days": 30, "oldest_age_days": 41}, ["threshold_not_met"]),
    ])  # fmt: skip
    led.close()
    reader = Ledger(tmp_path / "ledger.duckdb", read_only=True)
    yield reader
    reader.close()


def test_posture_score_is_the_weighted_share_of_passing(ledger: Ledger) -> None:
    frame = posture.posture_by_domain(ledger, Scope())
    scores = dict(zip(frame["domain"], frame["score"], strict=True))
    # a: pii pass (high 3), consent fail (critical 4), retention fail (medium 2) -> 3/9
    assert scores["a"] == pytest.approx(round(100 * 3 / 9, 1))
    # b: its latest result could not run: fail closed -> 0
    assert scores["b"] == 0.0
    overall = posture.posture_overall(ledger, Scope()).row(0, named=True)
    assert (overall["checks"], overall["passing"], overall["failing"], overall["errors"]) == (
        4, 1, 2, 1,
    )  # fmt: skip


def test_the_trend_keeps_each_check_at_its_last_known_result(ledger: Ledger) -> None:
    trend = posture.posture_trend(ledger, Scope())
    a = trend.filter(pl.col("domain") == "a").sort("point")
    assert a["point"].dt.date().to_list() == [date(2026, 5, d) for d in (1, 2, 3)]
    assert a["score"].to_list() == [0.0, round(100 * 3 / 7, 1), round(100 * 3 / 9, 1)]


def test_a_period_ending_earlier_shows_the_state_then(ledger: Ledger) -> None:
    first_day = Scope.for_dates(date(2026, 5, 1), date(2026, 5, 1))
    frame = posture.posture_by_domain(ledger, first_day)
    assert dict(zip(frame["domain"], frame["score"], strict=True)) == {"a": 0.0, "b": 100.0}
    assert evidence.run_count(ledger, first_day) == 1


def test_open_findings_follow_remediation(ledger: Ledger) -> None:
    found = posture.open_findings_by_severity(ledger, Scope())
    # the pii finding of day 1 was cleared by day 2's pass; consent and retention stay open
    assert sorted(zip(found["domain"], found["severity"], found["findings"], strict=True)) == [
        ("a", "critical", 1), ("a", "medium", 1),
    ]  # fmt: skip
    day1 = posture.open_findings_by_severity(ledger, Scope(until=datetime(2026, 5, 2)))
    assert day1["findings"].to_list() == [1]


def test_top_risks_rank_severity_first(ledger: Ledger) -> None:
    risks = posture.top_risks(ledger, Scope())
    expected = ["consent.lag", "pii.undeclared", "retention.expired_rows"]
    assert risks["check_id"].to_list() == expected
    assert risks["status"].to_list() == ["fail", "error", "fail"]


def test_a_check_family_by_prefix(ledger: Ledger) -> None:
    latest = checks.latest_measurements(ledger, "consent", Scope())
    assert latest.filter(pl.col("metric") == "p95_lag_hours")["value"].to_list() == [30.5]
    trend = checks.metric_trend(ledger, "pii.undeclared", "rows", Scope(domains=("a",)))
    assert trend["value"].to_list() == [10.0, 12.0]
    assert checks.latest_results(ledger, "dsar", Scope()).height == 0


def test_retention_views(ledger: Ledger) -> None:
    row = retention.expired_rows_latest(ledger, Scope()).row(0, named=True)
    assert (row["expired_rows"], row["retention_days"], row["oldest_age_days"]) == (7, 30, 41)
    assert retention.expired_rows_trend(ledger, Scope())["expired_rows"].to_list() == [7.0]


def test_the_snapshot_follows_the_live_ledger(tmp_path: Path) -> None:
    live = tmp_path / "live.duckdb"
    store = SnapshotStore(live, tmp_path / "snaps")
    assert store.current() is None  # no ledger yet
    with Ledger(live) as writer:
        record(writer, datetime(2026, 5, 1), [("x.y", "d.p", "d", "pass", "low", 0, {}, [])])
    first = store.current()
    assert first is not None and store.current() == first  # unchanged: the same copy
    with first.open() as copy:
        assert evidence.run_count(copy, Scope()) == 1
    with Ledger(live) as writer:  # the dashboard holds no lock: a run can record
        record(writer, datetime(2026, 5, 2), [("x.y", "d.p", "d", "fail", "low", 1, {}, [])])
    second = store.current()
    assert second.path != first.path
    with second.open() as copy:
        assert evidence.run_count(copy, Scope()) == 2
        assert copy.verify().ok
    store.close()
